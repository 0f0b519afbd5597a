#!/usr/bin/env node
// The postfix-tls command under its older path (scripts and docs run `node bin/postfix-tls.js`): the launcher
// itself is bin/postfix-tls.cjs, which the npm package installs as `postfix-tls`.
import './postfix-tls.cjs';
