// stack-config.example.yaml is the user's example stack (npm run up copies it to the git-ignored
// Pulumi.<stack>.yaml): it must list every key the
// config schema accepts (commented where optional), and nothing else, and
// what it shows must parse.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { marked, Token, Tokens } from "marked";
import { parse } from "yaml";
import { configKeyPaths, parseStackConfig, PROJECT } from "../../components/config/config";

const DEV_STACK = path.resolve(__dirname, "../../stack-config.example.yaml");
const KEY = /^(?:- )?((?:[a-z][a-z-]*:)?[A-Za-z][\w-]*):(?:\s|$)/;

/** The key paths a stack file shows, commented or not, with `[]` for list items. */
export function stackFileKeyPaths(text: string): string[] {
    const found: string[] = [];
    const stack: { indent: number; path: string }[] = [];
    let inConfig = false;
    for (const line of text.split("\n")) {
        if (line === "config:") {
            inConfig = true;
            continue;
        }
        if (!inConfig) continue;
        const content = line.startsWith("  # ") ? line.slice(4) : line.startsWith("  ") && !line.startsWith("  #") ? line.slice(2) : undefined;
        if (content === undefined) continue;
        const indent = content.length - content.trimStart().length;
        const rest = content.trim();
        if (rest === "" || rest.startsWith("#")) continue;
        const match = KEY.exec(rest);
        if (!match) continue;
        while (stack.length > 0 && stack[stack.length - 1].indent >= indent) stack.pop();
        let parent = stack.length > 0 ? stack[stack.length - 1].path : "";
        let keyIndent = indent;
        if (rest.startsWith("- ")) {
            parent = `${parent}[]`;
            stack.push({ indent, path: parent });
            keyIndent = indent + 2;
        }
        let key = match[1];
        if (!parent) {
            if (!key.startsWith(`${PROJECT}:`)) continue;
            key = key.slice(PROJECT.length + 1);
        }
        const keyPath = parent ? `${parent}.${key}` : key;
        found.push(keyPath);
        stack.push({ indent: keyIndent, path: keyPath });
    }
    return [...new Set(found)].sort();
}

/** Each commented `bigbang-oci-dev:<key>` block, uncommented: the key and its YAML text. */
function commentedSections(text: string): { key: string; yaml: string }[] {
    const sections: { key: string; yaml: string }[] = [];
    let current: { key: string; lines: string[] } | undefined;
    const flush = () => {
        if (current) sections.push({ key: current.key, yaml: current.lines.join("\n") });
        current = undefined;
    };
    for (const line of text.split("\n")) {
        const start = /^ {2}# (bigbang-oci-dev:\w+):/.exec(line);
        if (start) {
            flush();
            current = { key: start[1], lines: [line.slice(4)] };
        } else if (current && line.startsWith("  #  ")) {
            current.lines.push(line.slice(4));
        } else {
            flush();
        }
    }
    flush();
    return sections;
}

function without(value: unknown, keys: string[]): Record<string, unknown> {
    assert.ok(value !== null && typeof value === "object" && !Array.isArray(value));
    return Object.fromEntries(Object.entries(value).filter(([k]) => !keys.includes(k)));
}

describe("stack-config.example.yaml", () => {
    const text = fs.readFileSync(DEV_STACK, "utf8");

    it("lists every key of the config schema, and no other", () => {
        const inFile = stackFileKeyPaths(text);
        const inSchema = configKeyPaths();
        assert.deepEqual(inSchema.filter((k) => !inFile.includes(k)), [], "keys the schema accepts but stack-config.example.yaml does not show");
        assert.deepEqual(inFile.filter((k) => !inSchema.includes(k)), [], "keys stack-config.example.yaml shows but the schema does not accept");
    });

    it("parses as YAML as it is", () => {
        const doc: unknown = parse(text);
        assert.deepEqual(doc, { config: { "aws:region": "us-east-1" } });
    });

    it("reads the key paths the way the file nests them", () => {
        const sample = [
            "config:",
            "  # bigbang-oci-dev:cluster:",
            "  #   k3sArgs:    # prose after a value",
            "  #     - --flag",
            "  #     - arg: --x",
            "  #       nodeFilters: [server:0]",
            "  #   name: b",
            "  # Set the credentials as secrets:",
            "  #   pulumi config set --path bigbang-oci-dev:registry.username jane_doe",
            "  aws:region: us-east-1",
            "  bigbang-oci-dev:owner: x",
        ].join("\n");
        assert.deepEqual(stackFileKeyPaths(sample), ["cluster", "cluster.k3sArgs", "cluster.k3sArgs[].arg", "cluster.k3sArgs[].nodeFilters", "cluster.name", "owner"]);
    });

    it("shows values that each section of the schema accepts", () => {
        const sections = commentedSections(text);
        assert.deepEqual(sections.map((sec) => sec.key.slice(PROJECT.length + 1)),
            ["owner", "allowedCidrs", "allowAnywhere", "acceptPublicKeyRisk", "host", "network", "registry", "cluster", "charts", "chartVersionScheme", "bigbang"]);
        for (const { key, yaml } of sections) {
            const value: unknown = (parse(yaml) as Record<string, unknown>)[key];
            let section = value;
            // One section at a time, without the keys that need a file on disk or another registry target.
            if (key === `${PROJECT}:host`) {
                // cacheVolumeGiB needs the cache, so the bigbang section's Registry1 login (test/config/cacheVolumeConfig.test.ts).
                section = without(value, ["sshPrivateKeyFile", "sshPublicKey", "ssh", "cacheVolumeGiB"]);
                // The ssh backend's keys, with the keys every backend shares and none of aws's.
                const host = without(value, []);
                const ssh = { backend: "ssh", ...Object.fromEntries(Object.entries(host).filter(([k]) => /^(architecture|(k3d|kubectl|helm)(Version|Sha256))$/.test(k))), ssh: host.ssh };
                assert.doesNotThrow(() => parseStackConfig({ [key]: JSON.stringify(ssh) }, { userName: "tester" }), `${key} with backend ssh`);
            }
            if (key === `${PROJECT}:registry`) {
                const hosted = without(value, ["url", "dnsAlias", "username", "password"]);
                section = { ...hosted, tls: without(hosted.tls, ["certFile", "keyFile"]) };
            }
            if (key === `${PROJECT}:bigbang`) {
                // The example shows both sources; a stack sets one.
                const bigbang = without(value, []);
                section = { ...bigbang, source: without(bigbang.source, ["version", "commit"]) };
            }
            const cfg: Record<string, string> = {
                [`${PROJECT}:allowedCidrs`]: JSON.stringify(["203.0.113.7/32"]),
                [key]: typeof section === "string" ? section : JSON.stringify(section),
            };
            assert.doesNotThrow(() => parseStackConfig(cfg, { userName: "tester" }), key);
        }
    });
});

/**
 * The keys the README's configuration table has a row for, read the way GitHub renders it: the
 * Markdown is parsed (marked, GFM tables), so a row that a paragraph cut off from its table and
 * that renders as plain text does not count. `a.b` / `c` rows share the prefix of the first key.
 */
const isTable = (token: Token): token is Tokens.Table => token.type === "table";

export function readmeTableKeys(readme: string): string[] {
    const tokens = marked.lexer(readme, { gfm: true });
    const start = tokens.findIndex((t) => t.type === "heading" && t.depth === 2 && t.text === "Configuration");
    const end = tokens.findIndex((t, i) => i > start && t.type === "heading" && t.depth === 2);
    const keys: string[] = [];
    for (const token of tokens.slice(start, end < 0 ? undefined : end)) {
        if (!isTable(token)) continue;
        const table = token;
        if (table.header[0]?.text !== "key") continue;
        for (const row of table.rows) {
            const cellTokens = [...row[0].text.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
            const prefix = cellTokens[0].includes(".") ? cellTokens[0].slice(0, cellTokens[0].lastIndexOf(".") + 1) : "";
            for (const key of cellTokens) keys.push(key.includes(".") || key.includes(":") ? key : `${prefix}${key}`);
        }
    }
    return keys.filter((k) => !k.startsWith("aws:")).sort();
}

describe("README configuration table", () => {
    it("has a row for every key of the config schema, and no other", () => {
        const readme = fs.readFileSync(path.resolve(__dirname, "../../README.md"), "utf8");
        const inTable = readmeTableKeys(readme);
        const plain = configKeyPaths().filter((k) => !k.includes("[]"));
        // Rows are for values; an object like `host` is described by its keys' rows.
        const leaves = plain.filter((k) => !plain.some((other) => other.startsWith(`${k}.`)));
        assert.deepEqual(leaves.filter((k) => !inTable.includes(k)), [], "keys without a README row");
        assert.deepEqual(inTable.filter((k) => !leaves.includes(k)), [], "README rows for keys the schema does not accept");
    });

    it("counts only rows that render as a table: a paragraph inside the table cuts the rows after it off", () => {
        const table = "## Configuration\n\n| key | default | notes |\n| --- | --- | --- |\n| `owner` | you | |\n";
        assert.deepEqual(readmeTableKeys(table), ["owner"]);
        assert.deepEqual(readmeTableKeys(table + "\nA paragraph.\n| `allowAnywhere` | false | |\n"), ["owner"]);
    });
});
