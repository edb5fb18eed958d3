// Cross-key rules after the round's merges: a default never refuses a stack that does not use its
// feature, and a problem caused by a refused value is not reported a second time under another key.
import { strict as assert } from "assert";
import { checkStackConfig, PROJECT } from "../../components/config/config";

const P = `${PROJECT}:`;

function check(keys: Record<string, unknown>) {
    const raw = Object.fromEntries(Object.entries({ allowedCidrs: ["203.0.113.7/32"], ...keys })
        .map(([k, v]) => [`${P}${k}`, typeof v === "string" ? v : JSON.stringify(v)]));
    return checkStackConfig(raw, { userName: "tester" });
}

describe("config: cross-key rules", () => {
    it("moves the cache's default address off a registry address the stack already uses there", () => {
        const { problems, config } = check({ network: { registryAddress: "172.20.2.11" } });
        assert.deepEqual(problems, []);
        assert.equal(config.network.cacheAddress, "172.20.2.12");
        assert.equal(check({}).config.network.cacheAddress, "172.20.2.11", "the default otherwise");
        // An address the user chose is still checked.
        assert.match(check({ network: { registryAddress: "172.20.2.11", cacheAddress: "172.20.2.11" } }).problems.join("\n"), /network\.cacheAddress: must differ/);
    });

    it("reports a refused tool version once, not also as a sum that differs from the default's pin", () => {
        const { problems } = check({ host: { k3dVersion: "5.9.0", k3dSha256: "a".repeat(64) } });
        assert.equal(problems.length, 1, problems.join("\n"));
        assert.match(problems[0], /^bigbang-oci-dev:host\.k3dVersion: /);
    });

    it("reports a refused Registry1 password once, not also as a cache without a login", () => {
        const { problems } = check({ bigbang: { registry1: { username: "jdoe", password: 12345 }, registry1Cache: true } });
        assert.ok(problems.some((p) => p.startsWith(`${P}bigbang.registry1.password`)), problems.join("\n"));
        assert.deepEqual(problems.filter((p) => p.startsWith(`${P}bigbang.registry1Cache`)), []);
    });
});
