// Charts through Chart.js, tree-shaken: only the bar and line controllers are registered.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartConfiguration,
} from 'chart.js';
import { useEffect, useRef } from 'preact/hooks';
import { currentLang } from '../i18n';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Tooltip, Legend);
Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
Chart.defaults.color = '#1f2933';
Chart.defaults.animation = false;

/** Accessible palette (distinguishable, ≥ 3:1 against white). */
export const PALETTE = ['#0b5394', '#38761d', '#b45f06', '#a61c00', '#674ea7', '#45818e', '#7f6000'];

export function ChartView(props: {
  config: ChartConfiguration;
  label: string;
  height?: number;
  onClickIndex?: (index: number) => void;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const chart = new Chart(canvas.current, {
      ...props.config,
      options: {
        responsive: true,
        maintainAspectRatio: false,
        locale: currentLang() === 'vi' ? 'vi-VN' : 'en-GB',
        ...props.config.options,
        onClick: (_e, elements) => {
          const first = elements[0];
          if (first && props.onClickIndex) props.onClickIndex(first.index);
        },
      },
    });
    return () => chart.destroy();
  }, [props.config]);
  return (
    <div class="chart" style={{ height: `${props.height ?? 240}px` }}>
      <canvas ref={canvas} role="img" aria-label={props.label} />
    </div>
  );
}
