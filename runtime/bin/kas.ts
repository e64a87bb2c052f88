#!/usr/bin/env node
/** The package's `kas` command: the same as `gitops-agent kas`. */
import { runMainProcess } from "../common";
import { main } from "../kas/main";

runMainProcess("kas", () => main(process.argv.slice(2)));
