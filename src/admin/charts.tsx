import type { Child } from 'hono/jsx';

/**
 * Server-rendered SVG charts readable without colour: every series has its own fill pattern
 * (solid, hatched, dotted, crossed…) shown in the legend, bars carry their numbers as text, and
 * each chart is followed by a table of the same numbers (routes render it). No script.
 */

export interface Series {
  name: string;
  values: number[];
}

// Dark inks on white: each at least 3:1 against the background, and told apart by the pattern.
const INKS = ['#1d4ed8', '#7c2d12', '#166534', '#6b21a8', '#9a3412', '#334155'];

/** The fill patterns, one per series index. */
function Pattern(props: { id: string; i: number }) {
  const ink = INKS[props.i % INKS.length]!;
  const kind = props.i % 6;
  return (
    <pattern id={props.id} patternUnits="userSpaceOnUse" width="6" height="6">
      <rect width="6" height="6" fill={kind === 0 ? ink : '#fff'} />
      {kind === 1 && <path d="M-1,1 l2,-2 M0,6 l6,-6 M5,7 l2,-2" stroke={ink} stroke-width="1.6" />}
      {kind === 2 && <circle cx="3" cy="3" r="1.5" fill={ink} />}
      {kind === 3 && <path d="M0,0 l6,6 M6,0 l-6,6" stroke={ink} stroke-width="1.2" />}
      {kind === 4 && <path d="M0,3 h6" stroke={ink} stroke-width="2" />}
      {kind === 5 && <path d="M3,0 v6" stroke={ink} stroke-width="2" />}
    </pattern>
  );
}

/** The legend: a swatch of each series' pattern beside its name (HTML, so it wraps on a phone). */
export function Legend(props: { id: string; series: { name: string }[] }) {
  return (
    <ul class="legend">
      {props.series.map((s, i) => (
        <li>
          <svg width="18" height="18" viewBox="0 0 18 18" aria-hidden="true">
            <defs>
              <Pattern id={`${props.id}-l${i}`} i={i} />
            </defs>
            <rect x="1" y="1" width="16" height="16" fill={`url(#${props.id}-l${i})`} stroke={INKS[i % INKS.length]} stroke-width="1.5" />
          </svg>{' '}
          {s.name}
        </li>
      ))}
    </ul>
  );
}

/**
 * Columns per category (a week): stacked (the series add up, the total is written above) or
 * grouped (side by side, each value written above its bar).
 */
export function ColumnChart(props: { id: string; title: string; labels: string[]; series: Series[]; stacked: boolean }) {
  const { labels, series, stacked } = props;
  const slot = stacked ? 40 : 14 * series.length + 16;
  const plotH = 180;
  const top = 16;
  const left = 8;
  const width = Math.max(320, left + labels.length * slot + 8);
  const height = top + plotH + 34;
  const totals = labels.map((_, j) => series.reduce((a, s) => a + (s.values[j] ?? 0), 0));
  const max = Math.max(1, ...(stacked ? totals : series.flatMap((s) => s.values)));
  const y = (v: number) => (v / max) * plotH;
  const step = Math.ceil(labels.length / 12);
  const bars: Child[] = [];
  labels.forEach((label, j) => {
    const x0 = left + j * slot + 4;
    if (stacked) {
      let base = top + plotH;
      series.forEach((s, i) => {
        const h = y(s.values[j] ?? 0);
        if (h > 0)
          bars.push(<rect x={x0} y={base - h} width={slot - 8} height={h} fill={`url(#${props.id}-p${i})`} stroke={INKS[i % INKS.length]} stroke-width="1" />);
        base -= h;
      });
      if (totals[j])
        bars.push(
          <text x={x0 + (slot - 8) / 2} y={base - 3} text-anchor="middle" class="num">
            {String(totals[j])}
          </text>,
        );
    } else {
      series.forEach((s, i) => {
        const v = s.values[j] ?? 0;
        const h = y(v);
        const x = x0 + i * 12;
        if (h > 0)
          bars.push(<rect x={x} y={top + plotH - h} width="10" height={h} fill={`url(#${props.id}-p${i})`} stroke={INKS[i % INKS.length]} stroke-width="1" />);
        if (v)
          bars.push(
            <text x={x + 5} y={top + plotH - h - 3} text-anchor="middle" class="num">
              {String(v)}
            </text>,
          );
      });
    }
    if (j % step === 0)
      bars.push(
        <text x={x0 + (slot - 8) / 2} y={top + plotH + 16} text-anchor="middle" class="axis">
          {label.slice(5).split('-').reverse().join('.')}
        </text>,
      );
  });
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${width} ${height}`} width={String(width)} height={String(height)} role="img" aria-labelledby={`${props.id}-t`}>
        <title id={`${props.id}-t`}>{props.title}</title>
        <defs>
          {series.map((_, i) => (
            <Pattern id={`${props.id}-p${i}`} i={i} />
          ))}
        </defs>
        <line x1={left} x2={width - 4} y1={top + plotH} y2={top + plotH} stroke="#1a1a1a" />
        <text x={left} y={top - 4} class="axis">{`max ${max}`}</text>
        {bars}
      </svg>
      <Legend id={props.id} series={series} />
    </figure>
  );
}

/** Horizontal bars, one per row, each labelled with its name and number (one series). */
export function BarList(props: { id: string; title: string; rows: { label: string; value: number }[] }) {
  const rowH = 24;
  const labelW = 150;
  const width = 480;
  const max = Math.max(1, ...props.rows.map((r) => r.value));
  const barMax = width - labelW - 50;
  return (
    <figure class="chart">
      <svg
        viewBox={`0 0 ${width} ${props.rows.length * rowH + 8}`}
        width={String(width)}
        height={String(props.rows.length * rowH + 8)}
        role="img"
        aria-labelledby={`${props.id}-t`}
      >
        <title id={`${props.id}-t`}>{props.title}</title>
        <defs>
          <Pattern id={`${props.id}-p0`} i={1} />
        </defs>
        {props.rows.map((r, i) => {
          const w = Math.max(1, (r.value / max) * barMax);
          const yy = 4 + i * rowH;
          return (
            <g>
              <text x={labelW - 6} y={yy + 15} text-anchor="end" class="axis">
                {r.label.length > 22 ? `${r.label.slice(0, 21)}…` : r.label}
              </text>
              <rect x={labelW} y={yy + 3} width={w} height={rowH - 8} fill={`url(#${props.id}-p0)`} stroke={INKS[1]} stroke-width="1" />
              <text x={labelW + w + 4} y={yy + 15} class="num">
                {String(r.value)}
              </text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
