#!/usr/bin/env node
'use strict';
require('../scripts/ensure-built.js');
void require('../dist/src/cli.js').cliMain(process.argv.slice(2));
