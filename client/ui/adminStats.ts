/**
 * The console's live panel: the figures pushed on the `/admin` namespace (client/net/adminLive.ts),
 * two small uPlot charts of the last hour, and tables by rally and by refusal code. Counts only.
 * The charts are pictures of what the figures and captions already say in words.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { AdminStats } from '../../shared/rallies.ts';
import { language, onLanguageChange, t } from '../i18n/index.ts';
import { AdminLive, type AdminLiveStatus } from '../net/adminLive.ts';
import { say } from './adminMessages.ts';
import { roundSplits, roundTop } from './chartScale.ts';
import { reloadButton } from './errors.ts';
import { byId } from './header.ts';

const HOUR_S = 3600;
const MUTED = '#b9aecb';
const GRID = '#ffffff1f';
const ACCENT = '#ff4f9a';
const YELLOW = '#ffd23f';

const num = (n: number, o: Intl.NumberFormatOptions = {}) => new Intl.NumberFormat(language(), o).format(n);

/** Text whose numbers hold to the word after them (23 ms, 3 %, 0 viewers): a phone wraps between figures. */
const unbroken = (text: string) => text.replace(/(\d) (?=\S)/g, '$1\u00a0');

function duration(ms: number | null): string {
  if (ms === null) return t('console.none');
  if (ms < 1000) return num(Math.round(ms), { style: 'unit', unit: 'millisecond' });
  const s = ms / 1000;
  if (s < 120) return num(s, { style: 'unit', unit: 'second', maximumFractionDigits: 1 });
  if (s < 7200) return num(Math.round(s / 60), { style: 'unit', unit: 'minute' });
  return num(s / 3600, { style: 'unit', unit: 'hour', maximumFractionDigits: 1 });
}

function bytes(n: number): string {
  const [unit, div] = n >= 1e12 ? ['terabyte', 1e12] : n >= 1e9 ? ['gigabyte', 1e9] : ['megabyte', 1e6];
  return num(n / (div as number), { style: 'unit', unit: unit as string, maximumFractionDigits: 1 });
}

/** Clock times in the page's language (uPlot's own labels are American English). */
function clock(seconds: boolean): uPlot.Axis.Values {
  return (_u, splits) => {
    const f = new Intl.DateTimeFormat(language(), {
      hour: '2-digit',
      minute: '2-digit',
      ...(seconds ? { second: '2-digit' } : {}),
    });
    return splits.map((s) => f.format(s * 1000));
  };
}

function axes(seconds = false): uPlot.Axis[] {
  const a = { stroke: MUTED, grid: { stroke: GRID, width: 1 }, ticks: { stroke: GRID, width: 1 } };
  return [
    { ...a, values: clock(seconds), space: seconds ? 80 : 60 },
    { ...a, size: 44 },
  ];
}

/** A y scale from 0 in round steps, and its ticks (chartScale.ts): such axes share gridlines. */
const roundScale: uPlot.Scale = { range: (_u, _min, max) => [0, roundTop(max)] };
const roundTicks: uPlot.Axis.Splits = (_u, _i, _min, max) => roundSplits(max);

/** A uPlot chart that follows its box's width. */
function chart(box: HTMLElement, series: uPlot.Series[], extra: Partial<uPlot.Options> = {}): uPlot {
  const u = new uPlot(
    {
      width: Math.max(200, box.clientWidth),
      height: 150,
      legend: { show: series.length > 1, live: false },
      cursor: { show: false },
      axes: axes(),
      series: [{}, ...series],
      ...extra,
    },
    [[], ...series.map(() => [])] as unknown as uPlot.AlignedData,
    box,
  );
  new ResizeObserver(() => u.setSize({ width: Math.max(200, box.clientWidth), height: 150 })).observe(box);
  return u;
}

export class AdminStatsPanel {
  private live: AdminLive | null = null;
  private last: AdminStats | null = null;
  private status: AdminLiveStatus = 'connecting';
  private readonly history: { t: number[]; queue: (number | null)[]; p50: (number | null)[] } = {
    t: [],
    queue: [],
    p50: [],
  };
  private tilesChart: uPlot | null = null;
  private queueChart: uPlot | null = null;

  constructor(
    private readonly refused: () => void,
    /** Every figures' arrival, for the rest of the console (the review queue follows its length). */
    private readonly figures: (s: AdminStats) => void = () => {},
  ) {
    onLanguageChange(() => this.render());
  }

  open(token: string): void {
    this.close();
    this.live = new AdminLive(token, {
      stats: (s) => {
        this.update(s);
        this.figures(s);
      },
      status: (st) => {
        this.status = st;
        if (st === 'refused') this.refused();
        this.showStatus();
      },
    });
  }

  close(): void {
    this.live?.close();
    this.live = null;
  }

  private showStatus(): void {
    const el = byId('stats-status');
    el.classList.toggle('error', this.status === 'outdated');
    if (this.status === 'live' && this.last) {
      const time = new Date(this.last.at).toLocaleTimeString(language());
      el.textContent = t('console.updated', { time });
    } else if (this.status === 'refused') el.textContent = t('console.refusedStats');
    else if (this.status === 'outdated') {
      // The figures cannot come back until the page is reloaded: one press (a browser import
      // under way asks before the page goes).
      el.replaceChildren(t('status.outdated'), ' ', reloadButton());
    } else el.textContent = t(this.status === 'connecting' ? 'console.connecting' : 'console.reconnecting');
  }

  private update(s: AdminStats): void {
    this.last = s;
    const h = this.history;
    h.t.push(Date.parse(s.at) / 1000);
    h.queue.push(s.queue.length);
    h.p50.push(s.uploadToVisibleMs.p50);
    while (h.t.length && h.t[0]! < h.t.at(-1)! - HOUR_S) for (const a of [h.t, h.queue, h.p50]) a.shift();
    this.render();
  }

  private render(): void {
    this.showStatus();
    const s = this.last;
    if (!s) return;
    const lastHour = s.tilesPerMinute.reduce((n, m) => n + m.n, 0);
    const figures: [string, string][] = [
      [t('console.tiles'), num(s.tiles.total)],
      [t('console.lastHour'), num(lastHour)],
      [
        t('console.queue'),
        s.queue.length === null
          ? t('console.unknown')
          : s.queue.length
            ? `${num(s.queue.length)} · ${t('console.oldest', { age: duration(s.queue.oldestAgeMs) })}`
            : num(0),
      ],
      [
        t('console.online'),
        `${t('console.viewersN', { n: s.online.viewers })} · ${t('console.screensN', { n: s.online.screens })}`,
      ],
      [
        t('console.latency'),
        s.uploadToVisibleMs.samples
          ? t('console.latencyValue', {
              p50: duration(s.uploadToVisibleMs.p50),
              p99: duration(s.uploadToVisibleMs.p99),
            })
          : t('console.none'),
      ],
      [
        t('console.ingest'),
        s.ingest.msPerPhotoP50 === null
          ? t('console.none')
          : t('console.ingestValue', {
              n: num(s.ingest.photosLastMinute),
              ms: duration(s.ingest.msPerPhotoP50),
            }),
      ],
      [
        t('console.cpu'),
        t('console.cpuValue', {
          image: s.ingest.cpuPercent === null ? '–' : num(s.ingest.cpuPercent, { maximumFractionDigits: 0 }),
          all: num(s.ingest.processCpuPercent, { maximumFractionDigits: 0 }),
        }),
      ],
      [t('console.storage'), this.storageText(s)],
    ];
    byId('stat-grid').replaceChildren(
      ...figures.map(([k, v]) => {
        const div = document.createElement('div');
        const dt = document.createElement('dt');
        const dd = document.createElement('dd');
        dt.textContent = k;
        dd.textContent = unbroken(v);
        div.append(dt, dd);
        return div;
      }),
    );
    const { usedBytes: used, freeBytes: free } = s.storage;
    const full = used !== null && free !== null ? used / (used + free) : 0;
    say(
      byId('stats-warn'),
      s.storage.failed
        ? () => t('console.storageFailed')
        : s.storage.unavailable
          ? () => t('console.storeUnavailable')
          : full >= 0.9
            ? () => t('console.storageFull', { pct: Math.floor(full * 100) })
            : null,
      true,
    );
    this.tables(s);
    this.charts(s, lastHour);
    byId('stat-node').textContent = s.perNode.length ? t('console.perNode', { node: s.node }) : '';
  }

  private storageText(s: AdminStats): string {
    const { usedBytes: used, freeBytes: free } = s.storage;
    // Null: it could not be read (a cluster's database away), not that nothing is stored.
    if (used === null) return t('console.unknown');
    if (free === null) return t('console.storageDb', { used: bytes(used) });
    return t('console.storageValue', { used: bytes(used), free: bytes(free) });
  }

  private tables(s: AdminStats): void {
    // Each number cell carries its column's name, which a phone shows beside it. The explicit
    // roles keep the table a table for screen readers when a phone lays it out in blocks (console.css).
    const row = (cells: string[], labels: string[]) => {
      const tr = document.createElement('tr');
      tr.setAttribute('role', 'row');
      cells.forEach((c, i) => {
        const td = document.createElement(i === 0 ? 'th' : 'td');
        if (i === 0) td.setAttribute('scope', 'row');
        else td.dataset.label = labels[i] ?? '';
        td.setAttribute('role', i === 0 ? 'rowheader' : 'cell');
        td.textContent = c;
        tr.append(td);
      });
      return tr;
    };
    const empty = (text: string, span: number) => {
      const tr = document.createElement('tr');
      tr.setAttribute('role', 'row');
      const td = document.createElement('td');
      td.setAttribute('role', 'cell');
      td.colSpan = span;
      td.className = 'muted';
      td.textContent = text;
      tr.append(td);
      return tr;
    };
    const { viewersPerRally: viewers, screensPerRally: screens } = s.online;
    const codes = [
      ...new Set([...Object.keys(s.tiles.perRally), ...Object.keys(viewers), ...Object.keys(screens)]),
    ].sort();
    const rallyLabels = ['', t('console.colTiles'), t('console.colViewers'), t('console.colScreens')];
    byId('stat-rallies').replaceChildren(
      ...(codes.length
        ? codes.map((c) =>
            row([c, num(s.tiles.perRally[c] ?? 0), num(viewers[c] ?? 0), num(screens[c] ?? 0)], rallyLabels),
          )
        : [empty(t('console.noRallyTiles'), 4)]),
    );
    const refused = Object.entries(s.refused).sort((a, b) => b[1] - a[1]);
    byId('stat-refused').replaceChildren(
      ...(refused.length
        ? refused.map(([c, n]) => row([c, num(n)], ['', t('console.colCount')]))
        : [empty(t('console.noRefusals'), 2)]),
    );
  }

  private charts(s: AdminStats, lastHour: number): void {
    this.tilesChart ??= chart(byId('chart-tiles'), [
      {
        stroke: ACCENT,
        fill: `${ACCENT}55`,
        paths: uPlot.paths.bars?.({ size: [0.8, 12] }),
        points: { show: false },
      },
    ]);
    const minutes = s.tilesPerMinute.map((m) => m.t / 1000);
    this.tilesChart.setData([minutes, s.tilesPerMinute.map((m) => m.n)]);
    this.tilesChart.setScale('x', { min: (minutes[0] ?? 0) - 30, max: (minutes.at(-1) ?? 0) + 30 });
    const max = Math.max(0, ...s.tilesPerMinute.map((m) => m.n));
    byId('chart-tiles-text').textContent = unbroken(
      t('console.chartTilesText', { n: num(lastHour), max: num(max) }),
    );

    this.queueChart ??= chart(
      byId('chart-queue'),
      [
        { label: t('console.seriesQueue'), stroke: YELLOW, width: 2, scale: 'n', points: { size: 5 } },
        { label: t('console.seriesLatency'), stroke: ACCENT, width: 2, scale: 'ms', points: { size: 5 } },
      ],
      {
        // Both scales in the same number of round steps: the right axis's ticks sit on the
        // left one's gridlines.
        scales: { n: roundScale, ms: roundScale },
        axes: [
          axes(true)[0]!,
          { ...axes()[1]!, scale: 'n', splits: roundTicks },
          { ...axes()[1]!, scale: 'ms', side: 1, grid: { show: false }, splits: roundTicks },
        ],
      },
    );
    const h = this.history;
    this.queueChart.setData([h.t, h.queue, h.p50] as uPlot.AlignedData);
    // At least a minute wide, so that the first few points do not span years of axis; the latest
    // point a little inside the right edge, drawn whole rather than cut in half by it.
    const end = h.t.at(-1) ?? 0;
    const start = Math.min(h.t[0] ?? end, end - 60);
    this.queueChart.setScale('x', { min: start, max: end + (end - start) * 0.02 });
    byId('chart-queue-text').textContent = unbroken(
      t('console.chartQueueText', {
        q: s.queue.length === null ? '–' : num(s.queue.length),
        p50: duration(s.uploadToVisibleMs.p50),
      }),
    );
  }
}
