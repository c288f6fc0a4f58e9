import { canConnect } from "./ports.js";

const DEFAULT_NATS_URL = "nats://127.0.0.1:4222";
const DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/postgres";

async function reachable(url: string, defaultPort: number): Promise<boolean> {
  const u = new URL(url.split(",")[0]!);
  return canConnect(u.hostname, Number(u.port || defaultPort), 2000);
}

/**
 * Vitest global setup: tests use NATS_URL / DATABASE_URL (the local servers by default). When one is not
 * reachable and a Docker engine is, testcontainers starts it; otherwise the run stops with a readable message.
 */
export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  process.env.NATS_URL ??= DEFAULT_NATS_URL;
  process.env.DATABASE_URL ??= DEFAULT_DATABASE_URL;
  const needNats = !(await reachable(process.env.NATS_URL, 4222));
  const needDatabase = !(await reachable(process.env.DATABASE_URL, 5432));
  if (!needNats && !needDatabase) return undefined;

  const missing = [needNats && `NATS at ${process.env.NATS_URL}`, needDatabase && "PostgreSQL at DATABASE_URL"]
    .filter(Boolean)
    .join(" and ");
  let testcontainers: typeof import("testcontainers");
  try {
    testcontainers = await import("testcontainers");
    await (await testcontainers.getContainerRuntimeClient()).info;
  } catch {
    throw new Error(`${missing} not reachable and no Docker engine to start them: run bash scripts/services.sh`);
  }
  const { GenericContainer, Wait } = testcontainers;
  const started: { stop(): Promise<unknown> }[] = [];
  if (needNats) {
    const nats = await new GenericContainer("nats:2.10-alpine")
      .withCommand(["-js"])
      .withExposedPorts(4222)
      .withWaitStrategy(Wait.forLogMessage(/Server is ready/))
      .start();
    started.push(nats);
    process.env.NATS_URL = `nats://${nats.getHost()}:${nats.getMappedPort(4222)}`;
  }
  if (needDatabase) {
    const pg = await new GenericContainer("postgres:15-alpine")
      .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: "trust" })
      .withExposedPorts(5432)
      .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
      .start();
    started.push(pg);
    process.env.DATABASE_URL = `postgres://postgres@${pg.getHost()}:${pg.getMappedPort(5432)}/postgres`;
  }
  return async () => {
    for (const c of started) await c.stop();
  };
}
