// The local backend's checks before any resource (prepare.ts calls them): a
// Docker Engine on this workstation answers, at k3d's minimum version or newer,
// with memory for what the stack installs; and whether the workstation resolves
// the hosted registry's name (a warning naming the /etc/hosts line, and pushes
// through the Helm container). What it finds is what LocalHost is built from.
import { DEFAULT_HELM_IMAGE } from "../../config/pins";
import { BigbangPackagesPlan } from "./localPlan";
import { checkLocalWorkstation, LocalFacts, LocalProbe, workstationProbe } from "./localProbe";

/** What the local backend needs from prepare. */
export interface PreparedLocalHost {
    backend: "local";
    facts: LocalFacts;
}

export interface LocalPrepareInput {
    /** The hosted registry's name; undefined for an external target (nothing to resolve here). */
    registryHostname?: string;
    /** The cluster's Docker network (network.name), which the Helm container joins. */
    network: string;
    /** The containers whose restart is a start: the registry's, and k3d's server node (`k3d-<cluster>-server-0`). */
    startContainers: readonly string[];
    /** With bigbang.install: the packages it turns on and Big Bang's defaults. */
    bigbang?: BigbangPackagesPlan;
    /** process.platform by default. */
    platform?: NodeJS.Platform;
    /** process.env by default: DOCKER_HOST. */
    env?: NodeJS.ProcessEnv;
    /** The workstation's docker and resolver by default (tests give their own). */
    probe?: LocalProbe;
}

export async function prepareLocalHost(input: LocalPrepareInput): Promise<{ value?: PreparedLocalHost; problems: string[]; warnings: string[] }> {
    const env = input.env ?? process.env;
    const checked = await checkLocalWorkstation({
        platform: input.platform ?? process.platform,
        registryHostname: input.registryHostname,
        network: input.network,
        helmImage: DEFAULT_HELM_IMAGE,
        bigbang: input.bigbang,
        startContainers: input.startContainers,
        env,
    }, input.probe ?? workstationProbe(env));
    const value = checked.problems.length === 0 && checked.facts ? { backend: "local" as const, facts: checked.facts } : undefined;
    return { value, problems: checked.problems, warnings: checked.warnings };
}
