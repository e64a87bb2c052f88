export { parseExposition, samples, type Family, type MetricType, type Sample } from "./exposition";
