// A real hallkeeperd for the end-to-end tests: its own temporary directory with a hall file, a
// config with simulated devices and the Local API on a free port, started and waited for with
// `hallctl --wait` (a readiness check, not a sleep), and stopped with SIGTERM. The daemon's log
// is kept in the directory and printed when a test fails.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Two services in two groups, two windows, a priority code. No issuing hours: the tests do not
// depend on the hour they run at.
export const HALL_FILE = `
[hall]
name_zh = "端到端测试服务中心"
name_en = "End-to-end test centre"

[[services]]
code = "RE"
name_zh = "不动产登记"
name_en = "Real estate registration"
prefix = "A"
group_zh = "不动产"
group_en = "Real estate"
materials_zh = "身份证原件；不动产权证书"
materials_en = "ID card; property certificate"

[[services]]
code = "SOC"
name_zh = "社会保险"
name_en = "Social insurance"
prefix = "B"
group_zh = "社保医保"
group_en = "Social and medical insurance"

[[windows]]
id = "1"
name = "1号窗口"
serves = ["RE", "SOC"]

[[windows]]
id = "2"
name = "2号窗口"
serves = ["RE", "SOC"]

[[priority_codes]]
code = "2468"
class = "green"
`;

// The simulated reader's sample resident card (drivers/simulated/id_card_reader.cpp).
export const SAMPLE_ID_NUMBER = '11010519491231002X';

export const OFFICERS = [
  { id: '1024', name: '王芳', pin: '246810' },
  { id: '2048', name: '李雷', pin: '135790' },
];

function config(dir, uiDir) {
  return `
[node]
id = "e2e-node"
hall = "e2e-hall"

[log]
level = "info"
sink = "stderr"

[queue]
hall_file = "${join(dir, 'hall.toml')}"

[api]
enabled = true
port = 0
ui_dir = "${uiDir}"

[[device]]
id = "kiosk-reader"
driver = "simulated_id_card_reader"
location = "大厅入口取号机"
params = { read_time = "100ms" }

[[device]]
id = "printer-1"
driver = "simulated_ticket_printer"
location = "大厅入口取号机"

[[device]]
id = "evaluator-1"
driver = "simulated_evaluator"
location = "1号窗口柜台"
window = "1"

[[device]]
id = "display-1"
driver = "simulated_window_display"
location = "1号窗口上方"
window = "1"
`;
}

export class Hall {
  /** @param {{daemon: string, hallctl: string, uiDir: string}} paths */
  constructor(paths) {
    this.paths = paths;
    this.dir = mkdtempSync(join(tmpdir(), 'hk-e2e-'));
    this.socket = join(this.dir, 'hallkeeperd.sock');
    this.logFile = join(this.dir, 'hallkeeperd.log');
    this.process = null;
    this.base = '';
  }

  /** Runs hallctl against this daemon; throws with its output when it fails. */
  hallctl(args, input) {
    const result = spawnSync(this.paths.hallctl, ['--socket', this.socket, ...args], {
      input,
      encoding: 'utf8',
      timeout: 20_000,
    });
    if (result.status !== 0) {
      throw new Error(
        `hallctl ${args.join(' ')} exited ${result.status}: ${result.stderr}${result.stdout}`,
      );
    }
    return result.stdout;
  }

  async start() {
    writeFileSync(join(this.dir, 'hall.toml'), HALL_FILE);
    writeFileSync(join(this.dir, 'hallkeeper.toml'), config(this.dir, this.paths.uiDir));
    const log = [];
    this.process = spawn(
      this.paths.daemon,
      [
        '--config', join(this.dir, 'hallkeeper.toml'),
        '--state-dir', join(this.dir, 'state'),
        '--socket', this.socket,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.process.stderr.on('data', (chunk) => log.push(chunk));
    this.exited = new Promise((resolve) => this.process.on('exit', resolve));
    this.flushLog = () => writeFileSync(this.logFile, Buffer.concat(log));
    // hallctl --wait retries the connection until the daemon answers (or 20 s pass).
    this.hallctl(['--wait', '20', 'status']);
    const status = JSON.parse(this.hallctl(['--json', 'status']));
    this.base = `http://127.0.0.1:${status.api.port}`;
    for (const officer of OFFICERS) {
      this.hallctl(['officers', 'set', officer.id, '--name', officer.name], `${officer.pin}\n`);
    }
  }

  /** One Local API call from the test itself (not the browser). */
  async api(method, path, body, token) {
    const headers = { 'content-type': 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    const reply = await fetch(this.base + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await reply.text();
    return { status: reply.status, body: text ? JSON.parse(text) : null };
  }

  log() {
    this.flushLog?.();
    try {
      return readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  async stop({ keep = false } = {}) {
    if (this.process && this.process.exitCode === null) {
      this.process.kill('SIGTERM');
      await this.exited;
    }
    this.flushLog?.();
    if (!keep) rmSync(this.dir, { recursive: true, force: true });
  }
}
