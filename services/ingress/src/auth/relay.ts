import {
  BeginLoginReply,
  BeginLoginRequest,
  ConnectAccountReply,
  ConnectAccountRequest,
  type LoginFlow,
  type Topology,
} from "@igdm/contracts";
import { type NatsConnection, requestRpc } from "@igdm/runtime";
import { relayCaller } from "../relay-call.js";

/** How ingress reaches token-refresher: request/reply only, so it holds no app credentials, KV or tokens. */
export interface AuthRelay {
  beginLogin(flow: LoginFlow): Promise<BeginLoginReply>;
  connect(state: string, code: string): Promise<ConnectAccountReply>;
}

export function natsAuthRelay(
  connection: () => NatsConnection | undefined,
  topology: Topology,
  timeoutMs: number,
): AuthRelay {
  const call = relayCaller(connection);
  return {
    beginLogin: (flow) =>
      call((nc) =>
        requestRpc(
          nc,
          topology.subjects.rpc("token-refresher", "begin-login"),
          { request: BeginLoginRequest, reply: BeginLoginReply },
          { v: 1, flow },
          timeoutMs,
        ),
      ),
    connect: (state, code) =>
      call((nc) =>
        requestRpc(
          nc,
          topology.subjects.rpc("token-refresher", "connect"),
          { request: ConnectAccountRequest, reply: ConnectAccountReply },
          { v: 1, state, code },
          timeoutMs,
        ),
      ),
  };
}
