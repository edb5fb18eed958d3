// The ssh backend's checks before any resource (prepare.ts calls them): the key
// remote commands authenticate with and the host key every client pins
// (sshChecks.ts), as problem lines naming their keys.
import { PROJECT } from "../../config/config";
import { sshPrepareProblems } from "./sshChecks";
import { SshSettings } from "./sshPlan";

/** What the ssh backend needs from prepare: nothing beyond the stack config, once it is checked. */
export interface PreparedSshHost {
    backend: "ssh";
}

/** Every problem with host.ssh's workstation side, each line naming its key. */
export async function prepareSshHost(ssh: SshSettings, env: NodeJS.ProcessEnv = process.env): Promise<{ value?: PreparedSshHost; problems: string[] }> {
    const problems = (await sshPrepareProblems(ssh, { env })).map((p) => `${PROJECT}:${p.key}: ${p.message}`);
    return problems.length > 0 ? { problems } : { value: { backend: "ssh" }, problems: [] };
}
