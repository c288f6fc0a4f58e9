import { counter } from "@igdm/runtime";

/** Counted once every event of the batch was acknowledged by JetStream (a redelivered batch counts again). */
export const eventsNormalized = counter(
  "igdm_events_normalized_total",
  "Events published by the normalizer, by kind (unrecognised included)",
  ["kind"],
);
