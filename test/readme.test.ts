// The README's Troubleshooting headings quote what the program prints, so a search for the printed
// text finds the entry. Each quoted heading must still be text the code can print: its literal
// pieces (between "…" and example values such as t3.2xlarge) are found in the sources, or it is a
// message another tool prints.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { marked, Tokens } from "marked";

const ROOT = path.resolve(__dirname, "..");

/** Messages printed by other tools (Pulumi CLI, Kubernetes, Go's resolver), and topic headings that quote a key, not a message. */
const NOT_OURS = new Set([
    "passphrase must be set", "no such host", "ImagePullBackOff", "network.*", "pulumi up",
    // OpenSSH's and Go's x/crypto/ssh (pulumi-command) refusals of a host key that is not the pinned one.
    "Host key verification failed", "ssh: handshake failed: ssh: host key mismatch",
    // Helm's refusal to install over an object it does not own (helm v3 pkg/action/validate.go existingResourceConflict).
    "exists and cannot be imported into the current release",
]);

function sourceText(): string {
    const files: string[] = [path.join(ROOT, "index.ts")];
    const walk = (dir: string) => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
            const full = path.join(dir, entry.name);
            if (entry.isDirectory()) walk(full);
            else if (/\.(ts|sh)$/.test(entry.name)) files.push(full);
        }
    };
    walk(path.join(ROOT, "components"));
    walk(path.join(ROOT, "scripts"));
    return files.map((f) => fs.readFileSync(f, "utf8")).join("\n");
}

/** The backticked quotes in the bold lead of every Troubleshooting item. */
export function troubleshootingQuotes(readme: string): string[] {
    const tokens = marked.lexer(readme, { gfm: true });
    const start = tokens.findIndex((t) => t.type === "heading" && t.depth === 2 && t.text === "Troubleshooting");
    const list = tokens.slice(start + 1).find((t): t is Tokens.List => t.type === "list");
    assert.ok(start >= 0 && list, "README has a Troubleshooting list");
    const quotes: string[] = [];
    for (const item of list.items) {
        // The lead: bold spans up to the first one followed by ':' ("**`a`** or **`b`** (note): text").
        const end = /\*\*(?: \([^)]*\))?:/.exec(item.text);
        if (!item.text.startsWith("**") || !end) continue;
        const lead = item.text.slice(0, end.index + 2);
        for (const bold of lead.matchAll(/\*\*(.+?)\*\*/g)) quotes.push(...[...bold[1].matchAll(/`([^`]+)`/g)].map((m) => m[1]));
    }
    return quotes;
}

/** The literal pieces of a quote: split at "…" and at example values (dotted names, addresses, numbers). */
function pieces(quote: string): string[] {
    // A leading key ("registry.tls: …") is printed as `${PROJECT}:${key}: ${message}`: the key and the message apart.
    const key = /^([\w.[\]*-]+): /.exec(quote);
    if (key) return [key[1], ...pieces(quote.slice(key[0].length))];
    return quote.split(/…|\b[a-z0-9-]+(?:\.[a-z0-9-]+)+\b|\b\d+\b/).map((p) => p.trim()).filter((p) => p.length >= 4);
}

describe("README Troubleshooting", () => {
    it("quotes only messages the code can print (or another tool prints)", () => {
        const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
        const quotes = troubleshootingQuotes(readme);
        assert.ok(quotes.length >= 15, `found only ${quotes.length} quoted headings`);
        const source = sourceText();
        const stale = quotes.filter((q) => !NOT_OURS.has(q)).flatMap((q) => pieces(q).filter((p) => !source.includes(p)).map((p) => `${q}: "${p}"`));
        assert.deepEqual(stale, [], "quoted text that no source file contains");
    });
});
