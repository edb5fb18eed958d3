// The one place that knows the host backends: a switch on what prepare checked
// for the stack's `host.backend` (as tilt-dev/ctlptl pkg/cluster picks one admin
// per product). The rest of the program gets a DevHost and never asks which.
// The only file outside a backend folder that imports one (test/layering.test.ts).
import * as pulumi from "@pulumi/pulumi";
import * as os from "os";
import { StackConfig } from "../config/config";
import { AwsHost } from "./aws/awsHost";
import { PreparedAwsHost } from "./aws/prepareAwsHost";
import { DevHost } from "./devHost";
import { PreparedSshHost } from "./ssh/prepareSshHost";
import { SshHost } from "./ssh/sshHost";
import { LocalHost } from "./local/localHost";
import { PreparedLocalHost } from "./local/prepareLocalHost";

/** What prepare found for the backend: one variant per backend, tagged like `host.backend`. */
export type PreparedHost = PreparedAwsHost | PreparedSshHost | PreparedLocalHost;

export interface CreateDevHostArgs {
    config: StackConfig;
    stack: string;
    prepared: PreparedHost;
}

/** The stack's host, as its backend builds it. Named `host` by index.ts, so its URNs stay those of the aws host. */
export function createDevHost(name: string, args: CreateDevHostArgs, opts?: pulumi.ComponentResourceOptions): DevHost {
    const { prepared } = args;
    switch (prepared.backend) {
        case "aws":
            return new AwsHost(name, { config: args.config, stack: args.stack, allowedCidrs: prepared.allowedCidrs, placement: prepared.placement }, opts);
        case "ssh": {
            const { config } = args;
            if (config.host.backend !== "ssh") throw new Error(`prepared for host.backend ssh, but the config says ${config.host.backend}`);
            return new SshHost(name, {
                stack: args.stack,
                ssh: config.host.ssh,
                architecture: config.host.architecture,
                tools: config.host.tools,
                toolSha256: config.host.toolSha256,
                // As on aws: the k3s node image and the registry image, pulled while the tools install.
                images: [config.cluster.k3sImage, config.registry.image],
            }, opts);
        }
        case "local": {
            const { config } = args;
            return new LocalHost(name, {
                stack: args.stack,
                homeDir: os.homedir(),
                platform: process.platform,
                architecture: config.host.architecture,
                tools: config.host.tools,
                toolSha256: config.host.toolSha256,
                // Pulled while the tools install, as on aws: the k3s node image and the registry image.
                images: [config.cluster.k3sImage, config.registry.image],
                facts: prepared.facts,
            }, opts);
        }
    }
}
