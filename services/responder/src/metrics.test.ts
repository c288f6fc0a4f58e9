import { GraphApiError } from "@igdm/meta";
import { describe, expect, it } from "vitest";
import { refusalReason, sendMode } from "./metrics.js";

describe("reply metric labels", () => {
  it.each([
    [10, 2018278, "outside_window"],
    [551, undefined, "user_unavailable"],
    [200, 1545041, "user_unavailable"],
    [100, undefined, "graph_error"],
    [10, undefined, "graph_error"],
  ])("a refusal %s/%s is %s", (graphCode, subcode, reason) => {
    const err = new GraphApiError("refused", { status: 400, graphCode, ...(subcode ? { subcode } : {}) });
    expect(refusalReason(err)).toBe(reason);
  });

  it("tells automatic replies from manual sends", () => {
    expect(sendMode({ inReplyTo: "mid.1" })).toBe("auto");
    expect(sendMode({})).toBe("manual");
  });
});
