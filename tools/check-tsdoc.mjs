#!/usr/bin/env node
/**
 * Lists exported declarations in lib/**\/*.ts that have no TSDoc comment (`/** … *\/`).
 *
 *   node tools/check-tsdoc.mjs              top-level exports
 *   node tools/check-tsdoc.mjs --members    also public members of exported classes/interfaces
 *   node tools/check-tsdoc.mjs --json       machine-readable output
 *
 * Exits 1 when something is missing, so CI can gate on it. Overloaded functions and methods
 * count as documented when any signature is; `@internal` members are skipped with --members
 * (they are not part of the API reference). Uses the TypeScript compiler API (parser only).
 */
import ts from 'typescript';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const withMembers = args.has('--members');
const asJson = args.has('--json');
const dirs = process.argv.slice(2).filter((a) => !a.startsWith('--'));

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

// The parser attaches `/** … */` blocks to the declaration that follows them (`node.jsDoc`),
// wherever they sit on the line.
function jsDocs(node) {
  return node.jsDoc ?? [];
}
function hasDoc(node) {
  return jsDocs(node).length > 0;
}
function docText(node, sf) {
  return jsDocs(node)
    .map((d) => d.getText(sf))
    .join('\n');
}
const isExported = (n) => (ts.getCombinedModifierFlags(n) & ts.ModifierFlags.Export) !== 0;
const isPrivate = (n) => {
  const f = ts.getCombinedModifierFlags(n);
  return (f & ts.ModifierFlags.Private) !== 0 || (n.name && ts.isPrivateIdentifier(n.name));
};

function kindOf(n) {
  if (ts.isFunctionDeclaration(n)) return 'function';
  if (ts.isClassDeclaration(n)) return 'class';
  if (ts.isInterfaceDeclaration(n)) return 'interface';
  if (ts.isTypeAliasDeclaration(n)) return 'type';
  if (ts.isEnumDeclaration(n)) return 'enum';
  if (ts.isVariableStatement(n)) return 'const';
  if (ts.isModuleDeclaration(n)) return 'namespace';
  return null;
}
function nameOf(n, sf) {
  if (ts.isVariableStatement(n)) return n.declarationList.declarations.map((d) => d.name.getText(sf)).join(', ');
  return n.name ? n.name.getText(sf) : '(default)';
}

const missing = [];
let total = 0;
const roots = dirs.length > 0 ? dirs : ['lib'];
const files = roots.flatMap((d) => walk(resolve(root, d))).sort();
for (const file of files) {
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const rel = relative(root, file);
  const documentedOverloads = new Set();
  // First pass: a function name counts as documented when any of its signatures is.
  for (const st of sf.statements) {
    if (ts.isFunctionDeclaration(st) && isExported(st) && st.name && hasDoc(st)) documentedOverloads.add(st.name.text);
  }
  const seenFns = new Set();
  for (const st of sf.statements) {
    const kind = kindOf(st);
    if (!kind || !isExported(st)) continue;
    const name = nameOf(st, sf);
    if (kind === 'function') {
      if (seenFns.has(name)) continue;
      seenFns.add(name);
    }
    total++;
    const line = sf.getLineAndCharacterOfPosition(st.getStart(sf)).line + 1;
    const ok = kind === 'function' ? documentedOverloads.has(name) : hasDoc(st);
    if (!ok) missing.push({ file: rel, line, kind, name });
    if (withMembers && (ts.isClassDeclaration(st) || ts.isInterfaceDeclaration(st))) {
      if (/@internal/.test(docText(st, sf))) continue;
      const docMembers = new Set();
      for (const m of st.members) if (m.name && hasDoc(m)) docMembers.add(m.name.getText(sf));
      const seen = new Set();
      for (const m of st.members) {
        if (ts.isClassStaticBlockDeclaration(m) || ts.isIndexSignatureDeclaration(m) || isPrivate(m)) continue;
        if (ts.isConstructorDeclaration(m)) continue; // the class comment documents construction
        const mName = m.name ? m.name.getText(sf) : '(call)';
        if (mName.startsWith('_') || mName.startsWith('[') || seen.has(mName)) continue;
        seen.add(mName);
        if (/@internal/.test(docText(m, sf))) continue;
        total++;
        if (!docMembers.has(mName)) {
          const mLine = sf.getLineAndCharacterOfPosition(m.getStart(sf)).line + 1;
          missing.push({ file: rel, line: mLine, kind: 'member', name: `${name}.${mName}` });
        }
      }
    }
  }
}

if (asJson) {
  console.log(JSON.stringify({ total, missing }, null, 2));
} else {
  const byFile = new Map();
  for (const m of missing) {
    if (!byFile.has(m.file)) byFile.set(m.file, []);
    byFile.get(m.file).push(m);
  }
  for (const [file, ms] of byFile) {
    console.log(`${file} (${ms.length})`);
    for (const m of ms) console.log(`  ${file}:${m.line}  ${m.kind} ${m.name}`);
  }
  console.log(`${missing.length} of ${total} exported declarations${withMembers ? ' and members' : ''} lack a TSDoc comment`);
}
process.exitCode = missing.length > 0 ? 1 : 0;
