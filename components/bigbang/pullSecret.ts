// The `kubernetes.io/dockerconfigjson` body of an image pull Secret, as
// `kubectl create secret docker-registry` writes it (kubectl
// pkg/cmd/create/create_secret_docker.go: auths.<server>.{username,password,auth},
// auth = base64("<username>:<password>")). It holds the password: secret.

export const REGISTRY1_SERVER = "registry1.dso.mil";

export function dockerConfigJson(server: string, username: string, password: string): string {
    const auth = Buffer.from(`${username}:${password}`, "utf8").toString("base64");
    return JSON.stringify({ auths: { [server]: { username, password, auth } } });
}
