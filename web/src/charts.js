// Charts of the pages that show numbers people compare (SLA attainment, backlog, volumes).
// Loaded only by pages that have charts, after main.js.
//
//   <canvas data-chart="backlog-chart" role="img" aria-label="…"></canvas>
//   <script type="application/json" id="backlog-chart">{"type":"bar","data":{…},"options":{…}}</script>
//
// The server writes the whole Chart.js configuration as JSON (a data block, which the CSP
// allows; JSON cannot carry functions, so no callbacks). The same numbers are always in a
// table next to the chart. Charts in content swapped in by htmx are drawn too, and those
// swapped out are destroyed.
import {
  Chart,
  BarController,
  BarElement,
  DoughnutController,
  ArcElement,
  LineController,
  LineElement,
  PointElement,
  CategoryScale,
  LinearScale,
  Legend,
  Tooltip,
  Title,
} from 'chart.js';

Chart.register(
  BarController, BarElement,
  DoughnutController, ArcElement,
  LineController, LineElement, PointElement,
  CategoryScale, LinearScale,
  Legend, Tooltip, Title,
);

const TYPES = new Set(['bar', 'doughnut', 'line']);
const reducedMotion = window.matchMedia('(prefers-reduced-motion: reduce)');

function applyTheme() {
  const style = getComputedStyle(document.body);
  Chart.defaults.font.family = style.fontFamily;
  Chart.defaults.color = style.color;
  Chart.defaults.animation = reducedMotion.matches ? false : Chart.defaults.animation;
}

function configOf(canvas) {
  const id = canvas.dataset.chart;
  const block = id ? document.getElementById(id) : null;
  if (!block) throw new Error(`chart ${id || '(no id)'}: no <script type="application/json" id="${id}"> block`);
  const config = JSON.parse(block.textContent);
  if (!config || !TYPES.has(config.type)) throw new Error(`chart ${id}: type must be one of ${[...TYPES].join(', ')}`);
  if (reducedMotion.matches) config.options = { ...config.options, animation: false };
  return config;
}

function draw(root) {
  for (const canvas of root.querySelectorAll('canvas[data-chart]')) {
    if (Chart.getChart(canvas)) continue;
    try {
      new Chart(canvas, configOf(canvas));
      if (!canvas.hasAttribute('role')) canvas.setAttribute('role', 'img');
    } catch (error) {
      console.error(error);
    }
  }
}

// htmx sends beforeCleanupElement for every element of the removed content, one by one.
function forget(element) {
  if (element instanceof HTMLCanvasElement) Chart.getChart(element)?.destroy();
}

applyTheme();
draw(document);
document.addEventListener('htmx:load', (event) => draw(event.target));
document.addEventListener('htmx:beforeCleanupElement', (event) => forget(event.target));
