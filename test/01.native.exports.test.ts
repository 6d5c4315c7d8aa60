/**
 * The addon's exports are declared once, in lib/native.ts's NativeAddon interface, and the
 * declaration matches the loaded addon both ways: every function (and namespace object: cuda,
 * distributed) the addon exports is declared, and every declared member that is not optional
 * (`name?(…)`) exists with the declared kind (a function, or an object checked member by member).
 * The interface is read with the TypeScript compiler API, not by pattern matching.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { native } from '../lib/native.js';

const ROOT = resolve(import.meta.dirname, '..');

/** A declared member: a function, or an object whose members are declared in turn. */
interface Declared {
  optional: boolean;
  kind: 'function' | 'object' | 'other';
  members?: Map<string, Declared>;
}

function membersOf(nodes: ts.NodeArray<ts.TypeElement>, sf: ts.SourceFile): Map<string, Declared> {
  const out = new Map<string, Declared>();
  for (const m of nodes) {
    if (!m.name) continue;
    const name = m.name.getText(sf);
    assert.ok(!out.has(name), `${name} is declared twice`);
    const optional = m.questionToken !== undefined;
    if (ts.isMethodSignature(m)) out.set(name, { optional, kind: 'function' });
    else if (ts.isPropertySignature(m) && m.type && ts.isFunctionTypeNode(m.type)) out.set(name, { optional, kind: 'function' });
    else if (ts.isPropertySignature(m) && m.type && ts.isTypeLiteralNode(m.type))
      out.set(name, { optional, kind: 'object', members: membersOf(m.type.members, sf) });
    else out.set(name, { optional, kind: 'other' });
  }
  return out;
}

/** The members of `interface name` in the TypeScript source `text`. */
function declaredMembers(text: string, name: string): Map<string, Declared> {
  const sf = ts.createSourceFile('native.ts', text, ts.ScriptTarget.ES2022, true);
  const decl = sf.statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === name);
  assert.ok(decl, `interface ${name} not found`);
  return membersOf(decl.members, sf);
}

/** Every disagreement between the declared members and the object `actual` (at `path`). */
function mismatches(declared: Map<string, Declared>, actual: object, path: string): string[] {
  const out: string[] = [];
  const value = actual as Record<string, unknown>;
  for (const key of Object.keys(actual)) {
    if (!declared.has(key)) out.push(`${path}${key} (typeof '${typeof value[key]}') is exported but not declared`);
  }
  for (const [key, d] of declared) {
    const v = value[key];
    if (v === undefined) {
      if (!d.optional) out.push(`${path}${key} is declared but not exported`);
    } else if (d.kind === 'function' && typeof v !== 'function') {
      out.push(`${path}${key} is declared as a function but its typeof is '${typeof v}'`);
    } else if (d.kind === 'object') {
      if (typeof v !== 'object' || v === null) out.push(`${path}${key} is declared as an object but its typeof is '${v === null ? 'null' : typeof v}'`);
      else out.push(...mismatches(d.members!, v, `${path}${key}.`));
    } else if (d.kind === 'other') {
      out.push(`${path}${key} is declared as neither a function nor an object literal type`);
    }
  }
  return out;
}

test('NativeAddon in lib/native.ts declares exactly what the loaded addon exports', () => {
  const declared = declaredMembers(readFileSync(join(ROOT, 'lib', 'native.ts'), 'utf8'), 'NativeAddon');
  // The parse saw the interface (plain, optional and nested members), else the comparison proves nothing.
  assert.ok(declared.size > 50, `only ${declared.size} members read`);
  assert.equal(declared.get('fromData')?.kind, 'function');
  assert.equal(declared.get('cuda')?.kind, 'object');
  assert.equal(declared.get('distributed')?.members?.get('syncBatchNorm')?.optional, true);
  assert.deepEqual(mismatches(declared, native, 'native.'), []);
});

test('the comparison reports a member missing on either side, of the wrong kind, or nested', () => {
  const declared = declaredMembers(
    [
      'interface Other { notThis(): void }',
      'export interface NativeAddon {',
      '  a(): void;',
      '  b: (x: number) => number;',
      '  c?(): void;',
      '  gone(): void;',
      '  ns: { f(): void; g?(): void; h(): void };',
      '  n: number;',
      '}',
    ].join('\n'),
    'NativeAddon',
  );
  const fn = () => {};
  assert.deepEqual(mismatches(declared, { a: fn, b: fn, gone: fn, ns: { f: fn, h: fn } }, ''), ['n is declared but not exported']);
  assert.deepEqual(mismatches(declared, { a: fn, b: fn, gone: fn, ns: { f: fn, g: fn, h: fn }, n: 1 }, ''), [
    'n is declared as neither a function nor an object literal type',
  ]);
  assert.deepEqual(mismatches(declared, { a: fn, b: 1, c: {}, extra: fn, ns: { f: fn, g: 2, x: fn } }, 'native.'), [
    "native.extra (typeof 'function') is exported but not declared",
    "native.b is declared as a function but its typeof is 'number'",
    "native.c is declared as a function but its typeof is 'object'",
    'native.gone is declared but not exported',
    "native.ns.x (typeof 'function') is exported but not declared",
    "native.ns.g is declared as a function but its typeof is 'number'",
    'native.ns.h is declared but not exported',
    'native.n is declared but not exported',
  ]);
});
