/**
 * Names of every stream and subject, derived from one optional namespace so that tests (and several
 * deployments sharing one NATS account) can run side by side without seeing each other's messages.
 */
export interface Topology {
  readonly namespace: string;
  readonly streams: {
    readonly webhooks: string;
    readonly events: string;
    readonly dlq: string;
  };
  readonly subjects: {
    /** Verified raw webhook bodies, exactly as Meta sent them. */
    readonly rawWebhook: string;
    /** All raw-webhook subjects (the WEBHOOKS stream's filter). */
    readonly webhooksAll: string;
    /** Verified deauthorize and data-deletion callbacks: `<prefix>igdm.webhooks.user.<kind>`. */
    readonly userCallbacksAll: string;
    userCallback(kind: "deauthorize" | "data_deletion"): string;
    /** Typed domain events: `<prefix>igdm.events.<kind>`. */
    readonly eventsAll: string;
    readonly dlqAll: string;
    /** Dead letters of one service: `<prefix>igdm.dlq.<service>`. */
    dlq(service: string): string;
    event(kind: string): string;
    /** Request/reply: `<prefix>igdm.rpc.<service>.<operation>`, answered by a queue group of the service. */
    rpc(service: string, operation: string): string;
  };
  /** JetStream key-value buckets. */
  readonly kv: {
    /** One-time OAuth `state` values, expiring with the bucket's TTL. */
    readonly oauthStates: string;
    /** Leases that make a scheduled job run once however many replicas run it. */
    readonly leases: string;
    /** One claim per inbound message (or send command) before the Send API is called: never twice. */
    readonly replyClaims: string;
    /** One key per conversation while its automatic-reply cooldown runs. */
    readonly replyCooldowns: string;
  };
}

const NAMESPACE_PATTERN = /^[a-z][a-z0-9_]{0,30}$/;

export function topology(namespace = ""): Topology {
  if (namespace !== "" && !NAMESPACE_PATTERN.test(namespace)) {
    throw new Error(`invalid NATS namespace "${namespace}": use lowercase letters, digits and _ (max 31)`);
  }
  const subjectPrefix = namespace ? `${namespace}.igdm` : "igdm";
  const streamPrefix = namespace ? `${namespace.toUpperCase()}_` : "";
  const token = (part: string) => {
    if (!/^[A-Za-z0-9_-]+$/.test(part)) throw new Error(`invalid subject token "${part}"`);
    return part;
  };
  return {
    namespace,
    streams: {
      webhooks: `${streamPrefix}WEBHOOKS`,
      events: `${streamPrefix}EVENTS`,
      dlq: `${streamPrefix}DLQ`,
    },
    subjects: {
      rawWebhook: `${subjectPrefix}.webhooks.raw`,
      webhooksAll: `${subjectPrefix}.webhooks.>`,
      userCallbacksAll: `${subjectPrefix}.webhooks.user.>`,
      userCallback: (kind) => `${subjectPrefix}.webhooks.user.${token(kind)}`,
      eventsAll: `${subjectPrefix}.events.>`,
      dlqAll: `${subjectPrefix}.dlq.>`,
      dlq: (service) => `${subjectPrefix}.dlq.${token(service)}`,
      event: (kind) => `${subjectPrefix}.events.${token(kind)}`,
      rpc: (service, operation) => `${subjectPrefix}.rpc.${token(service)}.${token(operation)}`,
    },
    kv: {
      oauthStates: `${streamPrefix}OAUTH_STATES`,
      leases: `${streamPrefix}LEASES`,
      replyClaims: `${streamPrefix}REPLY_CLAIMS`,
      replyCooldowns: `${streamPrefix}REPLY_COOLDOWNS`,
    },
  };
}
