// host.cacheVolumeGiB and host.keepCacheVolume (issue 19): the Registry1 cache on its own
// EBS volume. Bad input is refused naming the key; the volume needs the cache.
import { strict as assert } from "assert";
import { parseStackConfig } from "../../components/config/config";
import { configProblemsOf } from "../support/fixtures";

const P = "bigbang-oci-dev:";
const json = (v: unknown) => JSON.stringify(v);
const LOGIN = { registry1: { username: "jdoe", password: "token" } };

function raw(keys: Record<string, unknown>): Record<string, string> {
    return Object.fromEntries(Object.entries({ allowedCidrs: ["203.0.113.7/32"], ...keys }).map(([k, v]) => [`${P}${k}`, json(v)]));
}

function problemsOf(keys: Record<string, unknown>): string[] {
    return configProblemsOf(raw(keys));
}

describe("config: host.cacheVolumeGiB / host.keepCacheVolume", () => {
    it("is off by default, and parses a size and the keep flag with a Registry1 login", () => {
        const off = parseStackConfig(raw({ bigbang: LOGIN }), { userName: "tester" });
        assert.equal(off.host.backend === "aws" ? off.host.cacheVolumeGiB : "not aws", undefined);
        const on = parseStackConfig(raw({ bigbang: LOGIN, host: { cacheVolumeGiB: 50, keepCacheVolume: true } }), { userName: "tester" });
        assert.ok(on.host.backend === "aws");
        assert.equal(on.host.cacheVolumeGiB, 50);
        assert.equal(on.host.keepCacheVolume, true);
    });

    it("refuses a size that is not a whole number of GiB from 10 to 16384, and a keep flag that is not a boolean, naming each key", () => {
        const problems = problemsOf({ bigbang: LOGIN, host: { cacheVolumeGiB: 5, keepCacheVolume: "sometimes" } });
        assert.equal(problems.length, 2, problems.join("\n"));
        assert.match(problems[0], /^bigbang-oci-dev:host\.cacheVolumeGiB: .*10.*16384.*got 5$/);
        assert.match(problems[1], /^bigbang-oci-dev:host\.keepCacheVolume: /);
        for (const size of ["50GiB", 20000, 12.5]) {
            assert.match(problemsOf({ bigbang: LOGIN, host: { cacheVolumeGiB: size } })[0], /^bigbang-oci-dev:host\.cacheVolumeGiB: /);
        }
    });

    it("refuses both keys with host.backend ssh or local, naming each (an EBS volume needs the aws backend)", () => {
        const backends = {
            ssh: { backend: "ssh", ssh: { address: "192.0.2.10", user: "dev", hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHostKeyHostKeyHostKeyHostKeyHostKeyHostKey" } },
            local: { backend: "local" },
        };
        for (const [name, host] of Object.entries(backends)) {
            const problems = problemsOf({ bigbang: LOGIN, host: { ...host, cacheVolumeGiB: 50, keepCacheVolume: true } });
            assert.ok(problems.some((l) => l.startsWith(`${P}host.cacheVolumeGiB: not used with host.backend ${name}`)), problems.join("\n"));
            assert.ok(problems.some((l) => l.startsWith(`${P}host.keepCacheVolume: not used with host.backend ${name}`)), problems.join("\n"));
        }
    });

    it("refuses it when the cache is off: no Registry1 login, or registry1Cache false", () => {
        for (const bigbang of [{}, { ...LOGIN, registry1Cache: false }]) {
            assert.deepEqual(problemsOf({ bigbang, host: { cacheVolumeGiB: 50 } }), [
                `${P}host.cacheVolumeGiB: holds the Registry1 cache's data, and the cache is off: it needs bigbang.registry1.username and password, with bigbang.registry1Cache not false; remove cacheVolumeGiB or turn the cache on, got 50`,
            ]);
        }
    });
});
