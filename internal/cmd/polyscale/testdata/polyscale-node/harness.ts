// Every cache and rule method of PolyScale's own Node client
// (polyscale-node 0.0.23, vendored unmodified under
// testdata/third_party/polyscale-node), called against the sandbox at
// POLYSCALE_URL with the API key POLYSCALE_API_KEY. Written for cachelink's
// tests (polyscale_node_test.go): the client is used only through its
// published API and checked against its published types.
//
// Each step prints one line, "ok <n> <name>" or "not ok <n> <name>: <why>";
// then "kept <json>": the cache and rules left in place for the Go test to
// compare with the sandbox's store and with cachelink; last the line
// "<n> passed, <m> failed". The exit status is 1 when a step failed.
import assert from "assert";
import { Cache, CacheTtl, PolyScale } from "../src/main";
import { PolyScaleError } from "../src/lib/fetch";

const url = process.env.POLYSCALE_URL;
const apiKey = process.env.POLYSCALE_API_KEY;
if (!url || !apiKey) {
  throw new Error("POLYSCALE_URL and POLYSCALE_API_KEY must be set");
}
const polyscale = new PolyScale({ url, apiKey });

let passed = 0;
let failed = 0;
const step = async (name: string, fn: () => Promise<void>) => {
  const n = passed + failed + 1;
  try {
    await fn();
    passed++;
    console.log(`ok ${n} ${name}`);
  } catch (error) {
    failed++;
    const why = error instanceof Error ? error.message : String(error);
    console.log(`not ok ${n} ${name}: ${why.replace(/\n/g, " ")}`);
  }
};

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// checkCache asserts that c has every field of the client's Cache type,
// with its type, and the values in want.
const checkCache = (c: Cache, want: Partial<Cache>) => {
  for (const k of ["id", "userId", "workspaceId", "name", "host", "createdAt", "connectionUriTemplate"] as const) {
    assert.strictEqual(typeof c[k], "string", `${k} is ${JSON.stringify(c[k])}, want a string`);
    assert.ok((c[k] as string).length > 0, `${k} is empty`);
  }
  assert.strictEqual(typeof c.port, "number", `port is ${JSON.stringify(c.port)}`);
  assert.strictEqual(typeof c.cachingEnabled, "boolean", `cachingEnabled is ${JSON.stringify(c.cachingEnabled)}`);
  assert.ok(["mysql", "mariadb", "postgres", "mssql", "graphql"].includes(c.database), `database is ${c.database}`);
  assert.ok(["autoCached", "uncached"].includes(c.defaultCachingBehaviour), `defaultCachingBehaviour is ${c.defaultCachingBehaviour}`);
  assert.ok(c.description === undefined || typeof c.description === "string", `description is ${JSON.stringify(c.description)}`);
  assert.ok(!Number.isNaN(Date.parse(c.createdAt)), `createdAt ${c.createdAt} is not a date`);
  assert.ok(c.connectionUriTemplate.includes(c.id), `connectionUriTemplate ${c.connectionUriTemplate} lacks the cache id`);
  for (const [k, v] of Object.entries(want)) {
    assert.deepStrictEqual(c[k as keyof Cache], v, `${k}`);
  }
};

// checkTtl asserts that r is a CacheTtl of the client's type: a value for
// QUERY, TEMPLATE and TABLE, none for AUTO and MANUAL.
const checkTtl = (r: CacheTtl, want: { key: string; type: CacheTtl["type"]; cacheId: string; value?: number; name?: string }) => {
  assert.strictEqual(r.key, want.key, "key");
  assert.strictEqual(r.type, want.type, "type");
  assert.strictEqual(r.cacheId, want.cacheId, "cacheId");
  if (r.type === "AUTO" || r.type === "MANUAL") {
    assert.ok(!("value" in r) || (r as { value?: unknown }).value === undefined, `a ${r.type} rule has a value`);
  } else {
    assert.strictEqual(typeof r.value, "number", `value is ${JSON.stringify(r.value)}`);
    assert.strictEqual(r.value, want.value, "value");
    if (want.name !== undefined) {
      assert.strictEqual(r.name, want.name, "name");
    }
  }
};

// rejects asserts that p fails with the client's PolyScaleError carrying
// PolyScale's error body: statusCode, code, error and message.
const rejects = async (p: Promise<unknown>, statusCode: number) => {
  try {
    await p;
  } catch (error) {
    assert.ok(error instanceof PolyScaleError, `threw ${String(error)}, want a PolyScaleError`);
    assert.strictEqual(error.statusCode, statusCode, `statusCode (message: ${error.message})`);
    assert.ok(typeof error.code === "string" && error.code !== "", `code is ${JSON.stringify(error.code)}`);
    assert.ok(typeof error.error === "string" && error.error !== "", `error is ${JSON.stringify(error.error)}`);
    assert.ok(error.message !== "" && error.message !== "undefined", `message is ${JSON.stringify(error.message)}`);
    return;
  }
  assert.fail(`succeeded, want a ${statusCode} PolyScaleError`);
};

const byKey = (ttls: Array<CacheTtl>) => Object.fromEntries(ttls.map((r) => [r.key, r]));

const main = async () => {
  let pg = "";
  let my = "";

  await step("cache.getMany: an empty account has no cache", async () => {
    assert.deepStrictEqual(await polyscale.cache.getMany(), []);
  });
  await step("cache.create: a postgres cache, auto-cached, with a description", async () => {
    const r = await polyscale.cache.create({
      name: "node-client-pg", description: "made by polyscale-node", host: "127.0.0.1", port: 5432,
      database: "postgres", cachingEnabled: true, defaultCachingBehaviour: "autoCached",
    });
    assert.match(r.id, uuid);
    pg = r.id;
  });
  await step("cache.getOne: every field of Cache", async () => {
    const c = await polyscale.cache.getOne({ cacheId: pg });
    checkCache(c, { id: pg, name: "node-client-pg", description: "made by polyscale-node", host: "127.0.0.1", port: 5432,
      database: "postgres", cachingEnabled: true, defaultCachingBehaviour: "autoCached" });
  });
  await step("cache.create: a mysql cache, uncached, caching off", async () => {
    const r = await polyscale.cache.create({
      name: "node-client-mysql", host: "localhost", port: 3306, database: "mysql",
      cachingEnabled: false, defaultCachingBehaviour: "uncached",
    });
    assert.match(r.id, uuid);
    my = r.id;
  });
  await step("cache.getMany: both caches, every field of Cache", async () => {
    const all = await polyscale.cache.getMany();
    assert.strictEqual(all.length, 2, `${all.length} caches`);
    const got = Object.fromEntries(all.map((c) => [c.id, c]));
    assert.ok(got[pg] && got[my], "a cache is missing");
    checkCache(got[pg]!, { name: "node-client-pg", database: "postgres", port: 5432 });
    checkCache(got[my]!, { name: "node-client-mysql", database: "mysql", port: 3306, cachingEnabled: false, defaultCachingBehaviour: "uncached" });
  });
  await step("cache.purge", async () => {
    await polyscale.cache.purge({ cacheId: pg });
  });
  await step("cacheTtl.getMany: a new cache has no rule", async () => {
    assert.deepStrictEqual(await polyscale.cacheTtl.getMany({ cacheId: pg }), []);
  });
  await step("cacheTtl.create: TABLE", async () => {
    checkTtl(await polyscale.cacheTtl.create({ cacheId: pg, type: "TABLE", key: "orders", value: 5 }),
      { key: "orders", type: "TABLE", cacheId: pg, value: 5 });
  });
  await step("cacheTtl.create: TEMPLATE with a name", async () => {
    checkTtl(await polyscale.cacheTtl.create({ cacheId: pg, type: "TEMPLATE", key: "tmpl-by-id", value: 60, name: "orders by id" }),
      { key: "tmpl-by-id", type: "TEMPLATE", cacheId: pg, value: 60, name: "orders by id" });
  });
  await step("cacheTtl.create: QUERY", async () => {
    checkTtl(await polyscale.cacheTtl.create({ cacheId: pg, type: "QUERY", key: "query-1", value: 10 }),
      { key: "query-1", type: "QUERY", cacheId: pg, value: 10 });
  });
  await step("cacheTtl.create: AUTO", async () => {
    checkTtl(await polyscale.cacheTtl.create({ cacheId: pg, type: "AUTO", key: "tmpl-auto" }),
      { key: "tmpl-auto", type: "AUTO", cacheId: pg });
  });
  await step("cacheTtl.getMany: the four rules", async () => {
    const got = byKey(await polyscale.cacheTtl.getMany({ cacheId: pg }));
    assert.deepStrictEqual(Object.keys(got).sort(), ["orders", "query-1", "tmpl-auto", "tmpl-by-id"]);
    checkTtl(got["orders"]!, { key: "orders", type: "TABLE", cacheId: pg, value: 5 });
    checkTtl(got["tmpl-by-id"]!, { key: "tmpl-by-id", type: "TEMPLATE", cacheId: pg, value: 60, name: "orders by id" });
    checkTtl(got["query-1"]!, { key: "query-1", type: "QUERY", cacheId: pg, value: 10 });
    checkTtl(got["tmpl-auto"]!, { key: "tmpl-auto", type: "AUTO", cacheId: pg });
  });
  await step("cacheTtl.getOne", async () => {
    checkTtl(await polyscale.cacheTtl.getOne({ cacheId: pg, cacheTtlKey: "orders" }),
      { key: "orders", type: "TABLE", cacheId: pg, value: 5 });
  });
  await step("cacheTtl.update: the value", async () => {
    checkTtl(await polyscale.cacheTtl.update({ cacheId: pg, cacheTtlKey: "orders", update: { value: 30 } }),
      { key: "orders", type: "TABLE", cacheId: pg, value: 30 });
  });
  await step("cacheTtl.update: the name", async () => {
    checkTtl(await polyscale.cacheTtl.update({ cacheId: pg, cacheTtlKey: "tmpl-by-id", update: { name: "by id" } }),
      { key: "tmpl-by-id", type: "TEMPLATE", cacheId: pg, value: 60, name: "by id" });
  });
  await step("cacheTtl.update: name and value", async () => {
    checkTtl(await polyscale.cacheTtl.update({ cacheId: pg, cacheTtlKey: "tmpl-by-id", update: { name: "orders by id", value: 120 } }),
      { key: "tmpl-by-id", type: "TEMPLATE", cacheId: pg, value: 120, name: "orders by id" });
  });
  await step("cacheTtl.create: MANUAL on the AUTO key switches it", async () => {
    await polyscale.cacheTtl.create({ cacheId: pg, type: "MANUAL", key: "tmpl-auto" });
    const all = await polyscale.cacheTtl.getMany({ cacheId: pg });
    const on = all.filter((r) => r.key === "tmpl-auto");
    assert.strictEqual(on.length, 1, `${on.length} rules on the key`);
    checkTtl(on[0]!, { key: "tmpl-auto", type: "MANUAL", cacheId: pg });
    assert.strictEqual(all.length, 4, `${all.length} rules`);
  });
  await step("cacheTtl.create: AUTO on the MANUAL key switches it back", async () => {
    await polyscale.cacheTtl.create({ cacheId: pg, type: "AUTO", key: "tmpl-auto" });
    checkTtl(await polyscale.cacheTtl.getOne({ cacheId: pg, cacheTtlKey: "tmpl-auto" }), { key: "tmpl-auto", type: "AUTO", cacheId: pg });
  });
  await step("cacheTtl.create: a taken key is refused (409, PolyScale's error body)", async () => {
    await rejects(polyscale.cacheTtl.create({ cacheId: pg, type: "TABLE", key: "orders", value: 1 }), 409);
  });
  await step("cacheTtl.delete: QUERY", async () => {
    assert.strictEqual(await polyscale.cacheTtl.delete({ cacheId: pg, cacheTtlKey: "query-1", cacheTtlType: "QUERY" }), undefined);
  });
  await step("cacheTtl.getOne: a deleted rule is 404", async () => {
    await rejects(polyscale.cacheTtl.getOne({ cacheId: pg, cacheTtlKey: "query-1" }), 404);
  });
  await step("cacheTtl.delete: a rule under another type is 404", async () => {
    await rejects(polyscale.cacheTtl.delete({ cacheId: pg, cacheTtlKey: "orders", cacheTtlType: "TEMPLATE" }), 404);
  });
  await step("cacheTtl: AUTO and MANUAL on the mysql cache, then deleted", async () => {
    await polyscale.cacheTtl.create({ cacheId: my, type: "MANUAL", key: "tmpl-x" });
    await polyscale.cacheTtl.create({ cacheId: my, type: "AUTO", key: "tmpl-x" });
    await polyscale.cacheTtl.delete({ cacheId: my, cacheTtlKey: "tmpl-x", cacheTtlType: "AUTO" });
    assert.deepStrictEqual(await polyscale.cacheTtl.getMany({ cacheId: my }), []);
  });
  await step("cache.delete", async () => {
    assert.strictEqual(await polyscale.cache.delete({ cacheId: my }), undefined);
  });
  await step("cache.getOne: a deleted cache is 404", async () => {
    await rejects(polyscale.cache.getOne({ cacheId: my }), 404);
  });
  await step("cacheTtl.getMany: rules of a deleted cache is 404", async () => {
    await rejects(polyscale.cacheTtl.getMany({ cacheId: my }), 404);
  });
  await step("a wrong API key is refused (401)", async () => {
    const wrong = new PolyScale({ url, apiKey: "not-a-key-polyscale-issued" });
    await rejects(wrong.cache.getMany(), 401);
  });

  // What is left, for the Go test to compare with the sandbox and cachelink.
  try {
    const cache = await polyscale.cache.getOne({ cacheId: pg });
    const rules = await polyscale.cacheTtl.getMany({ cacheId: pg });
    console.log(`kept ${JSON.stringify({ cache, rules })}`);
  } catch (error) {
    failed++;
    console.log(`not ok reading what is kept: ${String(error)}`);
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed === 0 ? 0 : 1;
};

void main();
