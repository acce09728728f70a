// PostGraphile 5 as the benchmark's peer: the amber preset over the product's tables (public) and
// the benchmark's own functions (bench_peer, see bench_peer.sql). bench/peer/postgraphile.py starts
// it with BENCH_PEER_DATABASE_URL, JWT_SECRET and BENCH_PEER_PORT set.
import jwt from "jsonwebtoken";
import { makePgService } from "postgraphile/adaptors/pg";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";

const secret = process.env.JWT_SECRET;

// The bearer token our server would accept (HS256, same secret, exp required), checked on every
// request; its subject becomes `jwt.claims.sub`, which the bench_peer functions read. A missing or
// bad token leaves the setting empty: the functions then find no viewer (no user-level errors).
function pgSettings(requestContext) {
  const header = requestContext.node?.req.headers.authorization ?? "";
  if (!header.startsWith("Bearer ")) return {};
  try {
    const claims = jwt.verify(header.slice(7), secret, { algorithms: ["HS256"] });
    return typeof claims.exp === "number" && /^\d{1,18}$/.test(claims.sub)
      ? { "jwt.claims.sub": claims.sub }
      : {};
  } catch {
    return {};
  }
}

export default {
  extends: [PostGraphileAmberPreset],
  pgServices: [
    makePgService({
      connectionString: process.env.BENCH_PEER_DATABASE_URL,
      schemas: ["public", "bench_peer"],
      poolConfig: { max: Number(process.env.BENCH_PEER_POOL_SIZE ?? 20) },
      pgSettings,
    }),
  ],
  grafserv: {
    host: "127.0.0.1",
    port: Number(process.env.BENCH_PEER_PORT),
    graphiql: false,
    watch: false,
  },
  grafast: { explain: false },
};
