// The aws backend's checks before any resource (prepare.ts calls them): the
// workstation's IP when allowedCidrs is empty, and where in AWS the host can go
// (placement.ts). Two steps, as prepare runs them: the IP check beside the other
// network checks, the placement only once every local check has passed, so a
// config mistake is never hidden behind an AWS error.
import { AwsHostConfig, ConfigError, PROJECT, StackConfig } from "../../config/config";
import { awsLookupProblem, lookupPlacement, Placement } from "./placement";
import { detectWorkstationCidr } from "./workstationIp";

/** What the aws backend needs from prepare. */
export interface PreparedAwsHost {
    backend: "aws";
    /** allowedCidrs, or the detected workstation IP as a /32. */
    allowedCidrs: string[];
    /** The subnet the host goes in: its zone offers the instance type and, unless usePrivateIp, it is reachable. */
    placement: Placement;
}

export type LookupPlacement = (host: AwsHostConfig, identity: { owner: string; stack: string }) => Promise<Placement>;

/** The workstation's IP as a /32 when the stack lists no allowedCidrs (and that section parsed). */
export async function awsWorkstationCidr(config: StackConfig, opts: { wanted: boolean; ipCheckUrl?: string }): Promise<{ value?: string; problems: string[] }> {
    if (!opts.wanted || config.allowedCidrs.length > 0) return { value: undefined, problems: [] };
    try {
        return { value: await detectWorkstationCidr(opts.ipCheckUrl), problems: [] };
    } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        return { value: undefined, problems: err.problems };
    }
}

/** Asks AWS where the host can go, with the credentials the engine has. */
export async function awsPlacement(host: AwsHostConfig, opts: { owner: string; stack?: string; lookupPlacement?: LookupPlacement }): Promise<{ value?: Placement; problems: string[] }> {
    try {
        return { value: await (opts.lookupPlacement ?? lookupPlacement)(host, { owner: opts.owner, stack: opts.stack ?? "dev" }), problems: [] };
    } catch (err) {
        // A placement verdict, or an AWS error the developer fixes on the workstation (region,
        // credentials, a permission), is a config problem; any other error stays as it is.
        const awsProblem = awsLookupProblem(err);
        if (awsProblem !== undefined) return { problems: [awsProblem] };
        if (err instanceof Error && err.message.startsWith(`${PROJECT}:`)) return { problems: [err.message] };
        throw err;
    }
}
