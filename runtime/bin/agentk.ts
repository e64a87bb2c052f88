#!/usr/bin/env node
/** The package's `agentk` command: the same as `gitops-agent agentk`. */
import { runMainProcess } from "../common";
import { main } from "../agentk/main";

runMainProcess("agentk", () => main(process.argv.slice(2)));
