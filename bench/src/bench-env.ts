import {
  connectTestNats,
  createMigratedTestDatabase,
  deleteNamespaceStreams,
  type ServiceProcess,
  spawnService,
  type TestDatabase,
  testNatsUrl,
  uniqueNamespace,
} from "@igdm/testkit";

/** A fresh namespace and migrated database for one benchmark, and the environment services need for them. */
export async function benchEnvironment(name: string) {
  const namespace = uniqueNamespace(`b${name}`.slice(0, 8));
  const db: TestDatabase = await createMigratedTestDatabase("igdm_bench");
  const env: Record<string, string> = {
    NATS_URL: testNatsUrl(),
    NATS_NAMESPACE: namespace,
    DATABASE_URL: db.url,
    LOG_LEVEL: "warn",
    // Replicas of one service run side by side: each takes any free ops port.
    OPS_PORT: "0",
  };
  const processes: ServiceProcess[] = [];
  return {
    namespace,
    db,
    env,
    spawn: async (service: string, extra: Record<string, string> = {}, readyLog: string | RegExp = "consuming") => {
      const p = spawnService(service, { ...env, LOG_LEVEL: "info", ...extra }, { built: true });
      processes.push(p);
      await p.waitForLog(readyLog);
      return p;
    },
    cleanup: async () => {
      await Promise.all(processes.map((p) => p.stop()));
      await db.drop();
      const nc = await connectTestNats();
      await deleteNamespaceStreams(nc, namespace);
      await nc.close();
    },
  };
}
