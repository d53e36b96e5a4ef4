import { useEffect, useId, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { Point } from '../contract';
import { formatTime } from './components';

export interface Series {
  readonly label: string;
  readonly color: string;
  readonly points: readonly Point[];
}

const HEIGHT = 220;

const sum = (points: readonly Point[]) => points.reduce((total, p) => total + p.v, 0);

/** uPlot's columns: bucket starts in seconds (its time unit), then one column per series. */
const columns = (series: readonly Series[]): uPlot.AlignedData => {
  const times = [...new Set(series.flatMap((s) => s.points.map((p) => p.t)))].sort((a, b) => a - b);
  return [
    times.map((t) => t / 1000),
    ...series.map((s) => {
      const byTime = new Map(s.points.map((p) => [p.t, p.v]));
      return times.map((t) => byTime.get(t) ?? 0);
    }),
  ];
};

/**
 * A time-series chart drawn by uPlot on a canvas, with what a canvas cannot give: a one-sentence
 * summary for screen readers (the canvas is an image with that label), a legend with totals, and
 * every value in a table behind a disclosure.
 */
export const Chart = ({
  title,
  unit,
  series,
}: {
  title: string;
  unit: string;
  series: readonly Series[];
}) => {
  const target = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const captionId = useId();
  const data = columns(series);
  const shape = series.map((s) => `${s.label}:${s.color}`).join('|');

  useEffect(() => {
    const element = target.current;
    if (!element) return undefined;
    const chart = new uPlot(
      {
        width: Math.max(element.clientWidth, 240),
        height: HEIGHT,
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
        axes: [{ stroke: '#444' }, { stroke: '#444', size: 48 }],
        series: [
          {},
          ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, points: { show: false } })),
        ],
      },
      columns(series),
      element,
    );
    plot.current = chart;
    const resize = () => chart.setSize({ width: Math.max(element.clientWidth, 240), height: HEIGHT });
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      chart.destroy();
      plot.current = null;
    };
    // Rebuilt only when the series themselves change; new values go through setData below.
  }, [shape]);

  useEffect(() => {
    plot.current?.setData(data);
  });

  const totals = series.map((s) => `${sum(s.points)} ${s.label.toLowerCase()}`).join(', ');
  const summary = `${title}: ${totals} ${unit}.`;
  return (
    <figure class="chart-figure" aria-labelledby={captionId}>
      <figcaption id={captionId}>{title}</figcaption>
      <div class="chart" role="img" aria-label={summary} ref={target} />
      <ul class="legend">
        {series.map((s) => (
          <li key={s.label}>
            <span class="swatch" style={{ background: s.color }} aria-hidden="true" />
            {s.label} <strong data-total={s.label}>{sum(s.points)}</strong>
          </li>
        ))}
      </ul>
      <details>
        <summary>{title} as a table</summary>
        <div class="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Bucket start</th>
                {series.map((s) => (
                  <th scope="col" key={s.label}>
                    {s.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {Array.from(data[0] ?? [], (seconds, row) => (
                <tr key={seconds}>
                  <th scope="row">{formatTime(new Date(seconds * 1000).toISOString())}</th>
                  {series.map((s, column) => (
                    <td key={s.label}>{data[column + 1]?.[row] ?? 0}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
};
