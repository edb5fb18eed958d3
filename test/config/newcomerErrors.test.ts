// Errors a newcomer can act on (issue 18 §4): the key they probably meant, every problem at once
// (within a section too), the CIDR rule they broke, the YAML form of a list, and AWS look-up
// failures as one ConfigError naming what to set. prepare()-level, so no whole program runs.
import { strict as assert } from "assert";
import * as http from "http";
import type { AddressInfo } from "net";
import * as os from "os";
import { checkStackConfig, ConfigError } from "../../components/config/config";
import { cidrProblem, editDistance, nearest } from "../../components/config/configHints";
import { IPV4 } from "../../components/config/config";
import { awsLookupProblem } from "../../components/host/aws/placement";
import { prepare } from "../../components/prepare";
import { BASE_CONFIG } from "../support/program";

const P = "bigbang-oci-dev:";
const json = (v: unknown) => JSON.stringify(v);
const problemsOf = (config: Record<string, string>) => checkStackConfig(config, { userName: "tester" }).problems;

describe("config: errors a newcomer can act on", () => {
    it("reports a key in a misspelt namespace with the key it meant, and ignores real namespaces", () => {
        const problems = problemsOf({ ...BASE_CONFIG, "bigbang-ocidev:charts": json(["../kiali"]), "bigbangocidev:host.instnceType": "t3.large" });
        assert.deepEqual(problems, [
            `${P}charts: set as bigbang-ocidev:charts, which this program never reads (namespace bigbang-ocidev is not bigbang-oci-dev); `
            + `move it: pulumi config rm bigbang-ocidev:charts, then pulumi config set --path ${P}charts <value>`,
            `${P}host.instnceType: set as bigbangocidev:host.instnceType, which this program never reads (namespace bigbangocidev is not bigbang-oci-dev); `
            + `move it: pulumi config rm bigbangocidev:host.instnceType, then pulumi config set --path ${P}host.instnceType <value>`,
        ]);
        assert.deepEqual(problemsOf({ ...BASE_CONFIG, "aws:profile": "dev", "pulumi:tags": "{}", "kubernetes:context": "x", "command:x": "y" }), []);
    });

    it("names the nearest valid key for a misspelt one, at every level", () => {
        assert.deepEqual(problemsOf({ ...BASE_CONFIG, [`${P}host`]: json({ instnceType: "t3.large" }) }),
            [`${P}host.instnceType: unknown key; did you mean instanceType?`]);
        assert.match(problemsOf({ ...BASE_CONFIG, [`${P}alowedCidrs`]: json([]) })[0], /alowedCidrs: unknown key; expected one of .*; did you mean allowedCidrs\?$/);
        assert.ok(problemsOf({ ...BASE_CONFIG, [`${P}cluster`]: json({ k3sArgs: [{ arg: "--a", nodeFilter: ["server:*"] }] }) })
            .includes(`${P}cluster.k3sArgs[0].nodeFilter: unknown key; did you mean nodeFilters?`));
        assert.deepEqual(problemsOf({ ...BASE_CONFIG, [`${P}registry`]: json({ target: "externl", url: "oci://harbor.example.com" }) }),
            [`${P}registry.target: expected hosted, registry1-staging or external, got "externl"; did you mean external?`]);
        // Nothing near: no guess.
        assert.deepEqual(problemsOf({ ...BASE_CONFIG, [`${P}host`]: json({ colour: "blue" }) }), [`${P}host.colour: unknown key`]);
    });

    it("reports every problem within a section: a bad registry.port does not hide a refused tls.source", () => {
        const problems = problemsOf({ ...BASE_CONFIG, [`${P}registry`]: json({ port: "abc", tls: { source: "self-signed" } }) });
        assert.equal(problems.length, 2, problems.join("\n"));
        assert.equal(problems[0], `${P}registry.port: expected 1-65535, got "abc"`);
        assert.match(problems[1], /^bigbang-oci-dev:registry\.tls\.source: self-signed: Flux pulls charts/);
    });

    it("reports every problem within a list: a bad allowedCidrs entry does not hide the missing allowAnywhere", () => {
        const problems = problemsOf({ [`${P}allowedCidrs`]: json(["10.0.0.0/33", "0.0.0.0/0"]) });
        assert.deepEqual(problems.map((p) => p.split(": ")[0]), [`${P}allowedCidrs[0]`, `${P}allowedCidrs`]);
        assert.match(problems[1], /set allowAnywhere to true/);
    });

    it("does not report a rule that would only read the default standing in for a refused value", () => {
        // With target refused, its default (hosted) would refuse registry.url; only the target is wrong.
        assert.deepEqual(problemsOf({ ...BASE_CONFIG, [`${P}registry`]: json({ target: "harbor", url: "oci://harbor.example.com" }) }),
            [`${P}registry.target: expected hosted, registry1-staging or external, got "harbor"`]);
        assert.deepEqual(problemsOf({ ...BASE_CONFIG, [`${P}host`]: json({ instanceType: "M7G", architecture: "arm64" }) }),
            [`${P}host.instanceType: expected an EC2 instance type such as t3.2xlarge, got "M7G"`]);
    });

    it("gives each CIDR its own reason", () => {
        assert.equal(cidrProblem("10.0.0.0/33", IPV4), "the prefix must be 0-32, not /33");
        assert.equal(cidrProblem("203.0.113.7", IPV4), "a bare address: add /32 for this one address (203.0.113.7/32)");
        assert.equal(cidrProblem("10.0.0.1/8", IPV4), "host bits set: 10.0.0.1/8 is not a network address; use 10.0.0.0/8 for the whole network, or 10.0.0.1/32 for the one address");
        assert.equal(cidrProblem("300.0.0.0/8", IPV4), "300.0.0.0 is not an IPv4 address; expected an IPv4 CIDR such as 203.0.113.7/32");
        assert.equal(cidrProblem("home", IPV4), "expected an IPv4 CIDR such as 203.0.113.7/32");
        for (const good of ["203.0.113.7/32", "10.0.0.0/8", "0.0.0.0/0"]) assert.equal(cidrProblem(good, IPV4), undefined, good);
        const problems = problemsOf({ [`${P}allowedCidrs`]: json(["10.0.0.0/33", "203.0.113.7", "10.0.0.1/8"]) });
        assert.deepEqual(problems.map((p) => p.replace(/, got .*/, "").split(": ").slice(1, 2)[0]),
            ["the prefix must be 0-32, not /33", "a bare address", "host bits set"]);
    });

    it("says 'expected a list' with the YAML form for a single value, set plainly or inside a section", () => {
        const problems = problemsOf({ [`${P}allowedCidrs`]: "203.0.113.7/32", [`${P}charts`]: "../kiali", [`${P}cluster`]: json({ disable: "traefik" }) });
        assert.equal(problems.length, 3, problems.join("\n"));
        for (const p of problems) {
            assert.match(p, /expected a list, not a single value; in Pulumi\.<stack>\.yaml write it as\n/);
            assert.doesNotMatch(p, /expected JSON/);
        }
        assert.match(problems[0], /\n {8}bigbang-oci-dev:allowedCidrs:\n {10}- 203\.0\.113\.7\/32\n/);
        assert.match(problems[0], /pulumi config set --path 'bigbang-oci-dev:allowedCidrs\[0\]' '203\.0\.113\.7\/32'/);
        assert.match(problems[1], /- \.\.\/kiali/);
        assert.match(problems[2], /bigbang-oci-dev:cluster:\n {10}disable:\n {12}- traefik/);
    });

    it("editDistance counts a transposition as one edit, and nearest keeps to near words", () => {
        assert.equal(editDistance("instnceType", "instanceType"), 1);
        assert.equal(editDistance("soucre", "source"), 1);
        assert.equal(nearest("instnceType", ["instanceType", "market"]), "instanceType");
        assert.equal(nearest("aws", ["bigbang-oci-dev"]), undefined);
        assert.equal(nearest("bigbang_oci_dev", ["bigbang-oci-dev"]), "bigbang-oci-dev");
    });
});

// What the AWS provider (pulumi-aws v7) puts in a failed invoke, as the engine hands it to the
// program (@pulumi/pulumi runtime/invoke.js rejects with `new Error(err.details)`). Texts from
// pulumi-aws provider/errors/{no_credentials,no_region,invalid_credentials,profile_not_found}.txt,
// hashicorp/aws-sdk-go-base v2 validation.go (InvalidRegionError) and an EC2 refusal as
// aws-sdk-go-v2 / smithy-go format it.
const INVOKE = "invocation of aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings returned an error: ";
const AWS_ERRORS: { name: string; message: string; expect: RegExp }[] = [
    {
        name: "no credentials",
        message: "pulumi:providers:aws resource 'default_7_48_0' has a problem: No valid credential sources found.\n"
            + "Please see https://www.pulumi.com/registry/packages/aws/installation-configuration/ for more information about providing credentials.",
        expect: /^AWS_PROFILE: no AWS credentials found; export AWS_PROFILE=<profile>.*AWS_ACCESS_KEY_ID/,
    },
    {
        name: "no region",
        message: "pulumi:providers:aws resource 'default_7_48_0' has a problem: Missing region information\n"
            + "Make sure you have set your AWS region, e.g. `pulumi config set aws:region us-west-2`.",
        expect: /^aws:region: is not set; set it with: pulumi config set aws:region/,
    },
    {
        name: "an unknown region",
        message: "pulumi:providers:aws resource 'default_7_48_0' has a problem: Invalid AWS Region: us-east-9",
        expect: /^aws:region: us-east-9 is not an AWS region/,
    },
    {
        name: "expired credentials",
        message: `${INVOKE}The configured AWS credentials are invalid or have expired.`,
        expect: /^AWS_PROFILE: the AWS credentials are invalid or have expired; log in again/,
    },
    {
        name: "an unknown profile",
        message: "pulumi:providers:aws resource 'default_7_48_0' has a problem: The AWS profile \"sandbox\" was not found.\n"
            + "Check the `aws:profile` configuration and the AWS_PROFILE environment variable.",
        expect: /^AWS_PROFILE: the profile sandbox is not in ~\/\.aws\/config/,
    },
    {
        name: "access denied",
        message: `${INVOKE}reading EC2 Instance Type Offerings: operation error EC2: DescribeInstanceTypeOfferings, https response error StatusCode: 403, `
            + "RequestID: 0f0e0d0c-1111-2222-3333-444455556666, api error UnauthorizedOperation: You are not authorized to perform this operation. "
            + "User: arn:aws:iam::123456789012:user/jdoe is not authorized to perform: ec2:DescribeInstanceTypeOfferings "
            + "because no identity-based policy allows the ec2:DescribeInstanceTypeOfferings action",
        expect: /^AWS_PROFILE: these credentials may not call ec2:DescribeInstanceTypeOfferings; the program needs at least/,
    },
];

describe("prepare: AWS look-up failures are one ConfigError naming what to set", () => {
    for (const c of AWS_ERRORS) {
        it(c.name, async () => {
            const lookupPlacement = () => Promise.reject(new Error(c.message));
            await assert.rejects(prepare(BASE_CONFIG, { projectDir: process.cwd(), userName: "tester", env: {}, lookupPlacement }), (err: unknown) => {
                assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
                assert.equal(err.problems.length, 1, err.message);
                assert.match(err.problems[0], c.expect);
                return true;
            });
        });
    }

    it("leaves an error it does not know as it is", async () => {
        assert.equal(awsLookupProblem(new Error("socket hang up")), undefined);
        const lookupPlacement = () => Promise.reject(new TypeError("a bug"));
        await assert.rejects(prepare(BASE_CONFIG, { projectDir: process.cwd(), userName: "tester", env: {}, lookupPlacement }), TypeError);
    });
});

describe("prepare: a certificate download that fails offline says how to work offline", () => {
    it("names the file:// checkout copy the README gives (nothing listens on the https port)", async () => {
        const server = http.createServer();
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        const port = (server.address() as AddressInfo).port;
        await new Promise<void>((resolve) => server.close(() => resolve()));
        const config = { ...BASE_CONFIG, [`${P}registry`]: json({ tls: { url: `https://127.0.0.1:${port}/ingress-certs.yaml` } }) };
        await assert.rejects(prepare(config, { projectDir: os.tmpdir(), userName: "tester", env: {} }), (err: unknown) => {
            assert.ok(err instanceof ConfigError);
            assert.equal(err.problems.length, 1, err.message);
            assert.match(err.problems[0], /^bigbang-oci-dev:registry\.tls: fetching .* failed: .*ECONNREFUSED.*; offline or behind a proxy\? Point registry\.tls\.url at a local Big Bang checkout's copy \(pulumi config set --path bigbang-oci-dev:registry\.tls\.url file:\/\/\.\.\/bigbang\/chart\/ingress-certs\.yaml\)/);
            return true;
        });
    });
});
