// A throw-away PKI for tests, made with the openssl CLI (Debian's openssl).
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";

export interface TestCertificate {
    certPem: string;
    keyPem: string;
    certFile: string;
    keyFile: string;
}

export interface TestPki {
    dir: string;
    ca: TestCertificate;
    /** A leaf signed by the CA, with the given DNS and IP SANs. */
    leaf(opts: { dnsNames: string[]; ipAddresses?: string[]; days?: number; notBefore?: string; notAfter?: string }): TestCertificate;
    cleanup(): void;
}

function openssl(args: string[], cwd: string): void {
    execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"], timeout: 30_000 });
}

export function createTestPki(): TestPki {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bbod-pki-"));
    openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "30",
        "-subj", "/CN=bigbang-oci-dev test CA", "-keyout", "ca.key", "-out", "ca.crt",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"], dir);
    const read = (name: string) => fs.readFileSync(path.join(dir, name), "utf8");
    const ca: TestCertificate = { certPem: read("ca.crt"), keyPem: read("ca.key"), certFile: path.join(dir, "ca.crt"), keyFile: path.join(dir, "ca.key") };
    let serial = 0;
    return {
        dir,
        ca,
        leaf({ dnsNames, ipAddresses = [], days = 10, notBefore, notAfter }) {
            serial += 1;
            const name = `leaf${serial}`;
            const sans = [...dnsNames.map((d) => `DNS:${d}`), ...ipAddresses.map((ip) => `IP:${ip}`)].join(",");
            fs.writeFileSync(path.join(dir, `${name}.ext`), `subjectAltName=${sans}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n`);
            openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", `/CN=${dnsNames[0] ?? "leaf"}`,
                "-keyout", `${name}.key`, "-out", `${name}.csr`], dir);
            const validity = notBefore && notAfter ? ["-not_before", notBefore, "-not_after", notAfter] : ["-days", String(days)];
            // `openssl x509 -req` in OpenSSL 3.0 has no -not_before; the `ca` command does, but needs a database.
            if (notBefore && notAfter) {
                fs.writeFileSync(path.join(dir, "index.txt"), "");
                fs.writeFileSync(path.join(dir, "ca.cnf"), [
                    "[ca]", "default_ca=test", "[test]", `dir=${dir}`, "database=$dir/index.txt", "new_certs_dir=$dir",
                    "certificate=$dir/ca.crt", "private_key=$dir/ca.key", "default_md=sha256", "policy=any", "unique_subject=no",
                    "rand_serial=yes", "copy_extensions=none", "[any]", "commonName=supplied",
                ].join("\n"));
                openssl(["ca", "-batch", "-config", "ca.cnf", "-startdate", notBefore, "-enddate", notAfter,
                    "-extfile", `${name}.ext`, "-in", `${name}.csr`, "-out", `${name}.crt`, "-notext"], dir);
            } else {
                openssl(["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                    ...validity, "-extfile", `${name}.ext`, "-out", `${name}.crt`], dir);
            }
            return { certPem: read(`${name}.crt`), keyPem: read(`${name}.key`), certFile: path.join(dir, `${name}.crt`), keyFile: path.join(dir, `${name}.key`) };
        },
        cleanup() {
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
}

/**
 * Big Bang's `chart/ingress-certs.yaml` in either of its layouts, built around
 * a test certificate, so unit tests need no upstream copy. The current layout
 * shares the tls block through a `publicTLS` anchor, as upstream does.
 */
export function ingressCertsYaml(layout: "current" | "legacy", certPem: string, keyPem: string): string {
    const doc = new YAML.Document(layout === "current"
        ? { istioGateway: { values: { gateways: { public: { gatewayCerts: [{ name: "public-cert", tls: { cert: certPem, key: keyPem } }] } } } } }
        : { istio: { gateways: { public: { tls: { cert: certPem, key: keyPem } } } } });
    if (layout === "current") {
        const tls = doc.getIn(["istioGateway", "values", "gateways", "public", "gatewayCerts", 0, "tls"], true);
        if (YAML.isMap(tls)) {
            tls.anchor = "publicTLS";
            doc.set("addons", { someAddon: { ingress: doc.createAlias(tls, "publicTLS") } });
        }
    }
    return doc.toString();
}
