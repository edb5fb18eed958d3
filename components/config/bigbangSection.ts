// The `bigbang` section: Big Bang itself on the dev cluster, its schema and its checks.
import { z } from "zod";
import { asRecord, Report } from "./problems";
import { bool, hostname, integer, nonEmpty } from "./scalars";

/** Big Bang itself on the dev cluster: Flux, MetalLB, ingress DNS and the umbrella chart (issue 12). */
export interface BigbangConfig {
    install: boolean;
    /** Registry1 login for Iron Bank images (Flux, MetalLB, every package). */
    registry1: { username?: string; password?: string };
    /** A pull-through cache of registry1.dso.mil on the host, which every node pulls through; on when registry1 is set. */
    registry1Cache: boolean;
    /** Exactly one, when install: a local checkout (`path`) or a release tag (`version`, at `commit` when pins.ts has none). */
    source: { path?: string; version?: string; commit?: string };
    /** The developer's own values files, applied last. */
    valuesFiles: string[];
    /** Big Bang values keys to keep on; unset: the dev-box default plan. */
    packages?: string[];
    metallb: boolean;
    domain: string;
    /** Bound for the wait on the developer's HelmReleases; 0 skips the wait. */
    waitMinutes: number;
}

export const DEFAULT_BIGBANG_DOMAIN = "dev.bigbang.mil";

// A Big Bang values key that names a package: "istiod", "addons.keycloak", "packages.myapp".
const bigbangPackageKey = z.string({ error: "expected a Big Bang values key such as istiod or addons.keycloak" })
    .regex(/^[a-zA-Z][a-zA-Z0-9]*(\.[a-zA-Z][a-zA-Z0-9-]*)*$/, { error: "expected a Big Bang values key such as istiod or addons.keycloak" });

export const bigbangSchema = z.strictObject({
    install: bool.default(false),
    registry1: z.strictObject({
        username: nonEmpty("your Registry1 user name").optional(),
        password: nonEmpty("your Registry1 CLI token (set it with --secret)").optional(),
    }, { error: "expected { username, password }" }).prefault({}),
    registry1Cache: bool.optional(),
    source: z.strictObject({
        path: nonEmpty("a path to a Big Bang checkout such as ../bigbang").optional(),
        // Big Bang's release tags are bare SemVer (3.30.0); a leading v is tolerated.
        version: z.string({ error: "expected a Big Bang release such as 3.30.0" })
            .regex(/^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/, { error: "expected a Big Bang release such as 3.30.0" }).optional(),
        // The full commit the release tag must point at, for a release pins.ts does not pin (issue 21).
        commit: z.string({ error: "expected a full git commit: 40 hex digits" }).trim().toLowerCase()
            .regex(/^[0-9a-f]{40}$/, { error: "expected a full git commit: 40 hex digits" }).optional(),
    }, { error: "expected { path } or { version }" }).prefault({}),
    valuesFiles: z.array(nonEmpty("a path to a values file"), { error: "expected a list of values file paths" }).default([]),
    packages: z.array(bigbangPackageKey, { error: "expected a list of Big Bang values keys such as [istiod, istioGateway]" }).optional(),
    metallb: bool.default(true),
    domain: hostname.default(DEFAULT_BIGBANG_DOMAIN),
    waitMinutes: integer(0, 240).default(30),
}, { error: "expected an object" });

/** bigbang.source.commit needs a release version. */
export function bigbangSourceChecks(bb: BigbangConfig, p: Report): void {
    if (bb.source.commit !== undefined && bb.source.version === undefined) {
        p("bigbang.source.commit", "only applies with bigbang.source.version: it is the commit that release tag must point at", bb.source.commit);
    }
}

/** The cache default and what bigbang.install needs. */
export function bigbangChecks(bb: BigbangConfig, raw: Record<string, unknown>, p: Report): void {
    // The cache pulls with the Registry1 login: on by default when there is one (issue 19).
    const loginSet = bb.registry1.username !== undefined && bb.registry1.password !== undefined;
    const rawCache = asRecord(raw.bigbang).registry1Cache;
    if (rawCache === undefined) {
        bb.registry1Cache = loginSet;
    } else if (bb.registry1Cache && !loginSet) {
        p("bigbang.registry1Cache", "the cache pulls from Registry1 with bigbang.registry1.username and bigbang.registry1.password; set both, or set registry1Cache to false", bb.registry1Cache);
    }
    if (bb.install) {
        if (!bb.registry1.username) p("bigbang.registry1.username", "bigbang.install needs your Registry1 user name: Flux, MetalLB and every package pull Iron Bank images", bb.registry1.username);
        if (!bb.registry1.password) p("bigbang.registry1.password", "bigbang.install needs your Registry1 CLI token (pulumi config set --path --secret bigbang.registry1.password, which prompts for it)", undefined);
        if (bb.source.path !== undefined && bb.source.version !== undefined) {
            p("bigbang.source", "expected path or version, not both", bb.source);
        } else if (bb.source.path === undefined && bb.source.version === undefined) {
            p("bigbang.source", "bigbang.install needs a Big Bang checkout ({ path: ../bigbang }) or a release ({ version: 3.30.0 })", bb.source);
        }
    }
}
