// Pure planning for reaching the k3d cluster from the workstation.
import { isMap, isSeq, parseDocument } from "yaml";
import { KUBE_API_PORT } from "./k3dConfig";

export function kubeApiEndpoint(address: string): string {
    return `https://${address}:${KUBE_API_PORT}`;
}

/**
 * The kubeconfig k3d prints names the API as the host sees it; point every
 * cluster entry at the address the workstation uses. The k3d config adds that
 * address as a --tls-san, so the server certificate still verifies.
 */
export function kubeconfigForEndpoint(kubeconfigYaml: string, server: string): string {
    const doc = parseDocument(kubeconfigYaml);
    if (doc.errors.length > 0 || !isMap(doc.contents)) throw new Error("k3d printed a kubeconfig that is not a YAML mapping");
    const clusters = doc.get("clusters");
    if (!isSeq(clusters) || clusters.items.length === 0) throw new Error("k3d printed a kubeconfig with no clusters");
    clusters.items.forEach((_, i) => doc.setIn(["clusters", i, "cluster", "server"], server));
    return doc.toString();
}

export function kubectlHint(stack: string, clusterName: string): string {
    const file = `~/.kube/bigbang-oci-dev-${stack}-${clusterName}.yaml`;
    // Under umask 077 the file is created 0600 (and a missing ~/.kube 0700), so the cluster-admin
    // credentials are never readable by others, not even between the write and a chmod.
    return `(umask 077 && mkdir -p ~/.kube && pulumi stack output kubeconfig --show-secrets > ${file}) && chmod 600 ${file} && export KUBECONFIG=${file}`;
}
