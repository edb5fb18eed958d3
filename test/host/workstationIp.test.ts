import { strict as assert } from "assert";
import * as http from "http";
import { AddressInfo } from "net";
import { ConfigError } from "../../components/config/config";
import { detectWorkstationCidr } from "../../components/host/aws/workstationIp";

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

describe("workstationIp: detectWorkstationCidr", () => {
    const servers: http.Server[] = [];

    async function serve(handler: Handler): Promise<string> {
        const server = http.createServer(handler);
        servers.push(server);
        await new Promise<void>((resolve, reject) => {
            server.once("error", reject);
            server.listen(0, "127.0.0.1", () => resolve());
        });
        return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    }

    const reply = (status: number, body: string): Handler => (_req, res) => {
        res.writeHead(status, { "content-type": "text/plain" });
        res.end(body);
    };

    /** Resolves to the ConfigError the detection fails with. */
    async function failure(url: string, timeoutMs = 2_000): Promise<ConfigError> {
        try {
            const cidr = await detectWorkstationCidr(url, timeoutMs);
            return assert.fail(`expected a failure, got ${cidr}`);
        } catch (err) {
            assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
            assert.equal(err.problems.length, 1);
            assert.ok(err.problems[0].startsWith("bigbang-oci-dev:allowedCidrs: "), err.problems[0]);
            assert.ok(err.message.includes("bigbang-oci-dev:allowedCidrs"));
            assert.ok(err.message.includes("set it"), err.message);
            assert.ok(err.message.includes(url), err.message);
            return err;
        }
    }

    afterEach(async () => {
        for (const server of servers.splice(0)) {
            server.closeAllConnections();
            await new Promise<void>((resolve) => server.close(() => resolve()));
        }
    });

    it("turns the address checkip returns into a /32", async () => {
        assert.equal(await detectWorkstationCidr(await serve(reply(200, "203.0.113.7\n")), 2_000), "203.0.113.7/32");
    });

    it("tolerates surrounding whitespace", async () => {
        assert.equal(await detectWorkstationCidr(await serve(reply(200, "  198.51.100.20\r\n")), 2_000), "198.51.100.20/32");
    });

    it("fails with a ConfigError on an HTTP error", async () => {
        const err = await failure(await serve(reply(500, "oops")));
        assert.match(err.message, /HTTP 500/);
    });

    for (const body of ["<html>rate limited</html>", "", "256.1.1.1", "2001:db8::1", "203.0.113.7/32", "203.0.113.7 198.51.100.1"]) {
        it(`fails with a ConfigError on the body ${JSON.stringify(body)}`, async () => {
            const err = await failure(await serve(reply(200, body)));
            assert.match(err.message, /expected an IPv4 address/);
        });
    }

    it("fails on an over-long answer", async () => {
        const err = await failure(await serve(reply(200, "1".repeat(64 * 1024))));
        assert.match(err.message, /response too long/);
    });

    it("gives up on a server that never answers", async function () {
        this.timeout(5_000);
        const url = await serve(() => {
            // Never answer.
        });
        const started = Date.now();
        const err = await failure(url, 300);
        const elapsed = Date.now() - started;
        assert.match(err.message, /no answer within 300 ms/);
        assert.ok(elapsed >= 250 && elapsed < 2_000, `took ${elapsed} ms`);
    });

    it("fails on a closed port", async function () {
        this.timeout(5_000);
        const url = await serve(reply(200, "203.0.113.7"));
        const server = servers.splice(0)[0];
        await new Promise<void>((resolve) => server.close(() => resolve()));
        const err = await failure(url, 1_000);
        assert.match(err.message, /ECONNREFUSED/);
    });
});
