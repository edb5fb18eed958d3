// Scalars and networks: the value rules every section uses (integers and booleans in Pulumi's
// string or JSON forms, IPv4 and CIDR helpers, DNS names, Linux user names, versions, image
// references, SHA-256 sums). The CIDR, IPv4 and hostname rules are exported for the other concepts.
import { z } from "zod";
import { cidrProblem } from "./configHints";

// Pulumi hands top-level values over as strings and `--path` values as
// JSON, so numbers and booleans accept both forms.

export const integer = (min: number, max: number) =>
    z.preprocess(
        (v) => (typeof v === "string" && /^\s*-?\d+\s*$/.test(v) ? Number(v) : v),
        z.number({ error: `expected ${min}-${max}` }).int({ error: `expected ${min}-${max}` })
            .min(min, { error: `expected ${min}-${max}` }).max(max, { error: `expected ${min}-${max}` }),
    );

export const bool = z.preprocess(
    (v) => (v === "true" ? true : v === "false" ? false : v),
    z.boolean({ error: "expected true or false" }),
);

export const nonEmpty = (what: string) => z.string({ error: `expected ${what}` }).trim().min(1, { error: `expected ${what}` });

export const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
export const ipv4 = z.string({ error: "expected an IPv4 address" }).regex(IPV4, { error: "expected an IPv4 address" });

export function parseCidr(cidr: string): { base: number; prefix: number } | undefined {
    const m = /^([\d.]+)\/(\d{1,2})$/.exec(cidr);
    if (!m || !IPV4.test(m[1])) return undefined;
    const prefix = Number(m[2]);
    if (prefix > 32) return undefined;
    const base = ipToInt(m[1]);
    const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
    if ((base & mask) >>> 0 !== base) return undefined;
    return { base, prefix };
}

export function ipToInt(ip: string): number {
    return ip.split(".").reduce((acc, octet) => ((acc << 8) >>> 0) + Number(octet), 0) >>> 0;
}

export function intToIp(n: number): string {
    return [24, 16, 8, 0].map((shift) => (n >>> shift) & 255).join(".");
}

export function cidrContains(cidr: string, ip: string): boolean {
    const parsed = parseCidr(cidr);
    if (!parsed || !IPV4.test(ip)) return false;
    const size = 2 ** (32 - parsed.prefix);
    const addr = ipToInt(ip);
    return addr >= parsed.base && addr < parsed.base + size;
}

/** The first /24 of a subnet: Docker's pool for dynamic addresses, which k3d's nodes take. */
export function firstSlash24(subnet: string): string {
    const [a, b, c] = subnet.split("/")[0].split(".");
    return `${a}.${b}.${c}.0/24`;
}

// Each reason names its fix: the prefix range, the /32 a bare address lacks, or the network address.
export const cidrv4 = z.string({ error: "expected an IPv4 CIDR such as 203.0.113.7/32" }).superRefine((v, ctx) => {
    const problem = cidrProblem(v, IPV4);
    if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
});

// DNS-1123 hostname: lower-case labels of letters, digits and dashes.
export const HOSTNAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;
export const hostname = z.string({ error: "expected a lower-case DNS name with at least two labels" })
    .regex(HOSTNAME, { error: "expected a lower-case DNS name with at least two labels" });

// The user name cloud-init's provisioning accepts (components/host/cloudInit.ts
// checks the same pattern), without the accounts Ubuntu cloud images already
// have: cloud-init turns root's SSH login away (canonical/cloud-init
// cloudinit/config/cc_ssh.py: `disable_root` defaults to true), and the
// system accounts have no login shell.
export const LINUX_USER = /^[a-z_][a-z0-9_-]{0,31}$/;
export const RESERVED_USERS = new Set(["root", "daemon", "bin", "sys", "sync", "games", "man", "lp", "mail", "news", "uucp", "proxy",
    "www-data", "backup", "list", "irc", "gnats", "nobody", "systemd-network", "systemd-resolve", "messagebus", "systemd-timesync",
    "syslog", "_apt", "sshd", "docker", "lxd"]);

// k3d and Docker name containers after the cluster; keep to what both accept.
export const dnsLabel = (what: string) =>
    z.string({ error: `expected ${what}` }).regex(/^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/, {
        error: `expected ${what}: lower-case letters, digits and '-', at most 32 characters`,
    });

export const version = z.string({ error: "expected a version such as v1.2.3" })
    .regex(/^v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/, { error: "expected a version such as v1.2.3" });

// An image reference, optionally digest-pinned: name[:tag][@sha256:...].
export const imageRef = z.string({ error: "expected an image reference" }).regex(
    /^[a-z0-9]+([._\-/:][a-z0-9]+)*(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/,
    { error: "expected an image reference such as registry:2 or registry@sha256:<64 hex>" },
);

// A tool download's SHA-256, as its project publishes it (sha256sum's first column).
export const sha256Hex = z.string({ error: "expected a SHA-256: 64 hex digits" }).trim().toLowerCase()
    .regex(/^[0-9a-f]{64}$/, { error: "expected a SHA-256: 64 hex digits" });
