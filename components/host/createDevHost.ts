// The one place that knows the host backends: a switch on what prepare checked
// for the stack's `host.backend` (as tilt-dev/ctlptl pkg/cluster picks one admin
// per product). The rest of the program gets a DevHost and never asks which.
// The only file outside a backend folder that imports one (test/layering.test.ts).
import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "../config/config";
import { AwsHost } from "./aws/awsHost";
import { PreparedAwsHost } from "./aws/prepareAwsHost";
import { DevHost } from "./devHost";

/** What prepare found for the backend: one variant per backend, tagged like `host.backend`. */
export type PreparedHost = PreparedAwsHost;

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
    }
}
