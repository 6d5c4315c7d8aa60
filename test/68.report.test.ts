/**
 * The homework report (scripts/report.ts) built from small synthetic results folders: every
 * section and figure present, the parts' curves carried into the charts unchanged, missing parts
 * as "not run" sections, the file self-contained; the live server's page and event stream
 * (scripts/viz/live.ts); main.ts's argument plumbing; parts 3-5 publishing their records live.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { buildReport, writeReport } from '../scripts/report.js';
import { partArgs, main as mainScript } from '../scripts/main.js';
import { main as part3 } from '../scripts/part3.js';
import { main as part4 } from '../scripts/part4.js';
import { main as part5 } from '../scripts/part5.js';
import { writeSyntheticCifar10 } from '../scripts/cifar.js';
import { LiveServer, publish, publishRecord, liveServer, type LiveRecord } from '../scripts/viz/live.js';
import { Report } from '../scripts/viz/report.js';
import { activationCurves } from '../scripts/part1_1.js';
import { writeSyntheticResults, chartSpecs, MODELS } from './68.report.helpers.js';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'torchnode-report-'));
}

const EXPECTED_CHARTS = [
  'part1_1_activation_functions',
  'part1_1_derivatives_autograd',
  'part1_2_training_loss_mse_every_1000_epochs',
  'all_models_performance_training_loss',
  'all_models_performance_training_accuracy',
  'all_models_performance_validation_accuracy',
  'part4_performance_training_losses',
  'part4_performance_gradient_magnitudes',
  'part5_lr_comparison_training_loss_cnn3',
  'part5_lr_comparison_validation_accuracy_cnn3',
  'part5_scheduled_validation_accuracy_scheduled_learning_rate',
];

test('report from a full synthetic results folder: every section, chart and figure', () => {
  const dir = tmp();
  try {
    const w = writeSyntheticResults(dir) as Record<string, Record<string, Record<string, number[] | number>>>;
    const { path, sections } = writeReport(dir);
    assert.equal(path, join(dir, 'report.html'));
    assert.deepEqual(
      sections.map((s) => [s.id, s.status]),
      [
        ['part1', 'ok'],
        ['part2', 'ok'],
        ['part3', 'ok'],
        ['part4', 'ok'],
        ['part5', 'ok'],
      ],
    );
    const html = readFileSync(path, 'utf8');
    const specs = chartSpecs(html);
    assert.deepEqual(
      specs.map((s) => s.name),
      EXPECTED_CHARTS,
    );
    for (const cap of [
      'Figure 2: Plots of Activation Functions and Their Derivatives',
      'Figure 4: Decision Boundary Plots for Tanh, ReLU &amp; Sigmoid',
      'Figure 6: Plot of my_conv2d function',
      'Figure 7: Weights Visualization of MLP_1',
      'Figure 8: Weights Visualization of MLP_2',
      'Figure 9: Weights Visualization of CNN_3',
      'Figure 10: Weights Visualization of CNN_4',
      'Figure 11: Weights Visualization of CNN_5',
      'Figure 12: Performance Comparison Plots for Part 3',
      'Figure 13: Performance Comparison Plots for Part 4',
      'Figure 14: Performance Comparison Plots for Part 5',
      'Figure 15: Validation Accuracy Curve of Scheduled Learning Rate',
    ]) {
      assert.ok(html.includes(cap), `missing caption '${cap}'`);
    }
    for (const t of ['Decision Boundary - sigmoid', 'Decision Boundary - tanh', 'Decision Boundary - relu', ...MODELS.map((m) => `weights_${m}`)]) {
      assert.match(html, new RegExp(`<img alt="${t}" src="data:image/png;base64,`), `missing image '${t}'`);
    }
    // cnn_3's weights came only as JSON: the report drew them (and wrote the PNG).
    assert.ok(existsSync(join(dir, 'weights_cnn_3.png')));
    // The curves go through unchanged, with the seed's legends (model names, relu/sigmoid, lr=...).
    const byName = Object.fromEntries(specs.map((s) => [s.name, s]));
    const p3 = w.part3;
    assert.deepEqual(byName.all_models_performance_training_loss.labels, [...MODELS]);
    MODELS.forEach((m, k) => {
      assert.deepEqual(byName.all_models_performance_training_loss.data[k + 1], p3[m].loss_curve);
      assert.deepEqual(byName.all_models_performance_validation_accuracy.data[k + 1], p3[m].val_acc_curve);
    });
    assert.deepEqual(byName.all_models_performance_training_loss.data[0], [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    assert.equal(byName.all_models_performance_training_loss.xLabel, 'step');
    assert.deepEqual(
      byName.part4_performance_gradient_magnitudes.labels,
      MODELS.flatMap((m) => [`${m} relu`, `${m} sigmoid`]),
    );
    assert.deepEqual(byName.part4_performance_gradient_magnitudes.data[2], (w.part4.mlp_1 as Record<string, number[]>).sigmoid_grad_curve);
    assert.deepEqual(byName.part5_lr_comparison_training_loss_cnn3.labels, ['lr=0.1', 'lr=0.01', 'lr=0.001']);
    assert.deepEqual(byName.part5_lr_comparison_validation_accuracy_cnn3.data[3], (w.part5 as unknown as Record<string, number[]>).val_acc_curve_001);
    assert.deepEqual(byName.part5_scheduled_validation_accuracy_scheduled_learning_rate.data, [
      [1, 2, 3],
      [30, 35, 41],
    ]);
    assert.ok(html.includes('Final Test Accuracy with scheduled LR approach: 40.50%'));
    // Part 1: the activation curves are LibTorch's (same function part 1.1 uses), the losses the stored ones.
    const { curves } = activationCurves(-5, 5, 1000);
    assert.deepEqual(byName.part1_1_activation_functions.data[2], Array.from(curves[1].y));
    assert.deepEqual(byName.part1_2_training_loss_mse_every_1000_epochs.data[1], (w.part1 as unknown as { lossEvery1000: number[] }[])[0].lossEvery1000);
    assert.ok(html.includes('Validation Accuracy with tanh: 91.00%'));
    // Test accuracies in part 3's table; the data source is announced.
    assert.match(html, /<td class="t">cnn_5<\/td><td>[\d.]+<\/td><td>[\d.]+<\/td><td>57\.00<\/td>/);
    assert.ok(html.includes('NOT CIFAR-10'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('report is self-contained: no http(s) URL in any src or href, no external script or stylesheet', () => {
  const dir = tmp();
  try {
    writeSyntheticResults(dir);
    const html = readFileSync(writeReport(dir).path, 'utf8');
    const attrs = [...html.matchAll(/\b(?:src|href)\s*=\s*["']?([^"'\s>]*)/gi)].map((m) => m[1]);
    assert.equal(attrs.length, 11, 'the 11 embedded images (activations, 3 boundaries, 2 part 2 figures, 5 weight grids)');
    for (const a of attrs) assert.ok(a.startsWith('data:'), `external reference ${a.slice(0, 80)}`);
    assert.doesNotMatch(html, /<script[^>]+src=/i);
    assert.doesNotMatch(html, /<link\b/i);
    assert.doesNotMatch(html, /EventSource/);
    assert.ok(html.includes('uPlot'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('missing parts are "not run" sections, partial parts say what is missing; broken files are "error" sections', () => {
  const dir = tmp();
  try {
    let b = buildReport(dir);
    assert.deepEqual(
      b.sections.map((s) => s.status),
      ['not run', 'not run', 'not run', 'not run', 'not run'],
    );
    let html = b.report.toHtml();
    assert.equal(html.match(/<p>Not run \(/g)?.length, 5);
    for (const h of [
      'Part 1: Basic neural network construction and training',
      'Part 2: Implementing a convolutional layer',
      'Part 3: Experimenting ANN architectures',
      'Part 4: Experimenting activation functions',
      'Part 5: Experimenting learning rate',
    ]) {
      assert.ok(html.includes(`<h2>${h}</h2>`), h);
    }
    writeSyntheticResults(dir, { parts: [3], part3Models: ['mlp_1', 'cnn_4'] });
    b = buildReport(dir);
    const s3 = b.sections[2];
    assert.equal(s3.status, 'partial');
    assert.equal(s3.detail, '2/5 models; not run: mlp_2, cnn_3, cnn_5');
    html = b.report.toHtml();
    assert.ok(html.includes('Not run: mlp_2, cnn_3, cnn_5.'));
    assert.deepEqual(chartSpecs(html).find((s) => s.title === 'Training loss')!.labels, ['mlp_1', 'cnn_4']);
    writeFileSync(join(dir, 'part5_cnn3.json'), '{ not json');
    b = buildReport(dir);
    assert.equal(b.sections[4].status, 'error');
    assert.match(b.sections[4].detail, /part5_cnn3\.json is not valid JSON/);
    assert.throws(() => buildReport(''), { message: 'buildReport: expected a folder path for dir but received ""' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Report: chart names are unique file stems; append keeps them unique; live pages subscribe to events', () => {
  const r = new Report('t').chartPrefix('p');
  r.chart({ title: 'Loss (a)', x: [1, 2], series: [{ label: 's', values: [1, 2] }] });
  r.chart({ title: 'Loss (a)', x: [1, 2], series: [{ label: 's', values: [1, 2] }] });
  const other = new Report('o').chartPrefix('p');
  other.chart({ title: 'Loss (a)', x: [1], series: [{ label: 's', values: [1] }] });
  r.append(other);
  assert.deepEqual(r.chartNames(), ['p_loss_a', 'p_loss_a_2', 'p_loss_a_3']);
  assert.throws(() => r.chart({ title: 'x', name: '../evil', x: [1], series: [{ label: 's', values: [1] }] }), {
    message: 'Report.chart: expected a file-name stem (letters, digits, _ . -) for name of chart \'x\' but received "../evil"',
  });
  const live = r.toHtml({ live: { events: '/events' } });
  assert.ok(live.includes('new EventSource("/events")') && live.includes('id="live-charts"'));
  assert.ok(!r.toHtml().includes('EventSource'));
});

function get(url: string, onData?: (chunk: string, close: () => void) => void): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
        onData?.(body, () => {
          req.destroy();
          resolve({ status: res.statusCode!, type: String(res.headers['content-type']), body });
        });
      });
      res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), body }));
    });
    req.on('error', (e) => (onData ? undefined : reject(e)));
    req.end();
  });
}

test('LiveServer: page, replayed history, streamed records, status, clear, validation', async () => {
  publish({ chart: 'c', series: 's', x: 1, y: 1 }); // no server: a no-op
  assert.equal(liveServer(), null);
  const server = await LiveServer.start({ html: (ev) => `<html>${ev}</html>` });
  try {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await get(server.url);
    assert.deepEqual([page.status, page.type, page.body], [200, 'text/html; charset=utf-8', '<html>/events</html>']);
    assert.equal((await get(`${server.url}nope`)).status, 404);
    publish({ part: 'part3', chart: 'Training loss', series: 'cnn_3', x: 10, y: 2.25 });
    publishRecord('part4', 'cnn_3 relu', 20, { loss: 1.5, grad: 0.25 });
    server.status('running part 4');
    let pushed = false;
    const ev = await get(`${server.url}events`, (body, close) => {
      if (!pushed && body.includes('event: status')) {
        pushed = true;
        server.publish({ chart: 'Training loss', series: 'cnn_4', x: 10, y: Number.NaN });
      }
      if (body.includes('"series":"cnn_4"')) close();
    });
    assert.equal(ev.type, 'text/event-stream; charset=utf-8');
    const events = ev.body.split('\n\n').filter((e) => e.startsWith('event:'));
    assert.deepEqual(
      events.map((e) => e.split('\n')[0]),
      ['event: records', 'event: status', 'event: record'],
    );
    const replay = JSON.parse(events[0].split('\n')[1].slice(6)) as LiveRecord[];
    assert.deepEqual(replay, [
      { part: 'part3', chart: 'Training loss', series: 'cnn_3', x: 10, y: 2.25 },
      { part: 'part4', chart: 'Training loss (part4)', series: 'cnn_3 relu', x: 20, y: 1.5, xLabel: 'step', yLabel: 'loss' },
      { part: 'part4', chart: 'Gradient magnitudes (part4)', series: 'cnn_3 relu', x: 20, y: 0.25, xLabel: 'step', yLabel: '‖∇ first-layer weight‖' },
    ]);
    assert.equal(events[1], 'event: status\ndata: "running part 4"');
    // NaN is not JSON: it travels as null, drawn as a gap.
    assert.equal(events[2], 'event: record\ndata: {"chart":"Training loss","series":"cnn_4","x":10,"y":null}');
    server.clear('part4');
    const again = await get(`${server.url}events`, (body, close) => {
      if (body.includes('event: status')) close();
    });
    assert.equal((again.body.match(/"part":"part4"/g) ?? []).length, 0);
    assert.ok(again.body.includes('"series":"cnn_3"'));
    assert.throws(() => server.publish({ chart: 'c', series: 's', x: Number.POSITIVE_INFINITY, y: 1 }), {
      message: 'LiveServer.publish: expected finite number for record.x but received Infinity of type number',
    });
    assert.throws(() => server.publish({ chart: '', series: 's', x: 1, y: 1 }), {
      message: 'LiveServer.publish: expected non-empty string for record.chart but received ""',
    });
  } finally {
    await server.close();
  }
  assert.equal(liveServer(), null);
  await assert.rejects(LiveServer.start({ html: () => '', host: '0.0.0.0' }), {
    message: 'LiveServer.start: expected a loopback host (127.0.0.1, localhost or ::1) but received "0.0.0.0"',
  });
  await assert.rejects(LiveServer.start({ html: () => '', port: 1.5 }), { message: 'LiveServer.start: expected integer 0..65535 for port but received 1.5' });
});

test('main: each part gets its preset, out folder, data and seed; bad --parts is refused', async () => {
  const o = { out: '/r', full: false, data: 'auto', device: 'auto' };
  assert.deepEqual(partArgs(1, o), ['--out', '/r']);
  assert.deepEqual(partArgs(1, { ...o, seed: 3 }), ['--out', '/r', '--seed', '3']);
  assert.deepEqual(partArgs(2, o), ['--out', '/r']);
  assert.deepEqual(partArgs(3, o), ['--quick', '--out', '/r', '--data', 'auto', '--device', 'auto', '--seed', '0']);
  assert.deepEqual(partArgs(5, { ...o, full: true, threads: 2 }), [
    '--full',
    '--out',
    '/r',
    '--data',
    'auto',
    '--device',
    'auto',
    '--seed',
    '0',
    '--threads',
    '2',
  ]);
  await assert.rejects(mainScript(['--parts', '1,6']), { message: "main: expected parts among 1,2,3,4,5 for --parts but received '6'" });
  await assert.rejects(mainScript(['--quick', '--full']), { message: 'main: --quick and --full are exclusive' });
});

test('main --live: parts 3-5 publish each every-10-steps record, equal to their saved records', async () => {
  const root = tmp();
  const out = join(root, 'out');
  const server = await LiveServer.start({ html: (ev) => `<html>${ev}</html>` });
  const quiet = console.log;
  try {
    writeSyntheticCifar10(root, { seed: 3, nTrain: 1000, nTest: 100 });
    console.log = () => {};
    const common = ['--data', root, '--out', out, '--no-progress', '--seed', '0', '--threads', '1'];
    try {
      assert.equal(await part3(['--steps', '20', '--models', 'mlp_1', ...common]), 0);
      assert.equal(await part4(['--steps', '20', '--models', 'mlp_1', ...common]), 0);
      assert.equal(await part5(['--epochs', '1', ...common]), 0);
    } finally {
      console.log = quiet;
    }
    const ev = await get(`${server.url}events`, (body, close) => {
      if (body.includes('event: records')) setTimeout(close, 50);
    });
    const frame = ev.body.split('\n\n').find((e) => e.startsWith('event: records'))!;
    const recs = JSON.parse(frame.split('\n')[1].slice(6)) as LiveRecord[];
    const ys = (chart: string, series: string): number[] => recs.filter((r) => r.chart === chart && r.series === series).map((r) => r.y);
    const xs = (chart: string, series: string): number[] => recs.filter((r) => r.chart === chart && r.series === series).map((r) => r.x);
    const read = (f: string): Record<string, number[]> => JSON.parse(readFileSync(join(out, f), 'utf8')) as Record<string, number[]>;
    const p3 = read('part3_mlp_1.json');
    assert.deepEqual(xs('Training loss (part3)', 'mlp_1'), [10, 20]);
    assert.deepEqual(ys('Training loss (part3)', 'mlp_1'), p3.loss_curve);
    assert.deepEqual(ys('Training accuracy (part3)', 'mlp_1'), p3.train_acc_curve);
    assert.deepEqual(ys('Validation accuracy (part3)', 'mlp_1'), p3.val_acc_curve);
    const p4 = read('part4_mlp_1.json');
    for (const act of ['relu', 'sigmoid']) {
      assert.deepEqual(xs('Training loss (part4)', `mlp_1 ${act}`), [10, 20]);
      assert.deepEqual(ys('Training loss (part4)', `mlp_1 ${act}`), p4[`${act}_loss_curve`]);
      assert.deepEqual(ys('Gradient magnitudes (part4)', `mlp_1 ${act}`), p4[`${act}_grad_curve`]);
    }
    const p5 = read('part5_cnn3.json');
    for (const [lr, tag] of [
      [0.1, '1'],
      [0.01, '01'],
      [0.001, '001'],
    ] as const) {
      assert.deepEqual(xs('Training loss (part5)', `lr=${lr}`), [10]);
      assert.deepEqual(ys('Training loss (part5)', `lr=${lr}`), p5[`loss_curve_${tag}`]);
      assert.deepEqual(ys('Validation accuracy (part5)', `lr=${lr}`), p5[`val_acc_curve_${tag}`]);
    }
    const sched = read('part5_cnn3_scheduled.json');
    assert.deepEqual(xs('Validation accuracy, scheduled learning rate (part5)', 'scheduled'), [1, 2, 3]);
    assert.deepEqual(ys('Validation accuracy, scheduled learning rate (part5)', 'scheduled'), sched.val_acc_curve);
    assert.ok(recs.every((r) => r.part !== undefined && ['part3', 'part4', 'part5'].includes(r.part)));
  } finally {
    console.log = quiet;
    await server.close();
    rmSync(root, { recursive: true, force: true });
  }
});
