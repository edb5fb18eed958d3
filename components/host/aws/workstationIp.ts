// When allowedCidrs is empty the host is opened to the workstation's public IP
// only, found at deploy time the way the AWS console's "My IP" does.
import * as http from "http";
import * as https from "https";
import { ConfigError, IPV4, PROJECT } from "../../config/config";

export const IP_CHECK_URL = "https://checkip.amazonaws.com/";

export async function detectWorkstationCidr(url: string = IP_CHECK_URL, timeoutMs = 10_000): Promise<string> {
    const fail = (why: string) =>
        new ConfigError([`${PROJECT}:allowedCidrs: is empty and the workstation's public IP could not be detected from ${url} (${why}); set it, e.g. pulumi config set --path 'allowedCidrs[0]' 203.0.113.7/32`]);
    let body: string;
    try {
        body = await getText(url, timeoutMs);
    } catch (err) {
        throw fail(err instanceof Error ? err.message : String(err));
    }
    const ip = body.trim();
    if (!IPV4.test(ip)) {
        throw fail(`expected an IPv4 address, got ${JSON.stringify(ip.slice(0, 40))}`);
    }
    return `${ip}/32`;
}

function getText(url: string, timeoutMs: number): Promise<string> {
    const client = url.startsWith("https:") ? https : http;
    return new Promise((resolve, reject) => {
        const req = client.get(url, { timeout: timeoutMs }, (res) => {
            if (res.statusCode !== 200) {
                res.resume();
                reject(new Error(`HTTP ${res.statusCode}`));
                return;
            }
            let text = "";
            res.setEncoding("utf8");
            res.on("data", (chunk: string) => {
                text += chunk;
                if (text.length > 1024) req.destroy(new Error("response too long"));
            });
            res.on("end", () => resolve(text));
            res.on("error", reject);
        });
        req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
        req.on("error", reject);
    });
}
