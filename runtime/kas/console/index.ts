/** kas's operator console: agents, their syncs and objects, live (issue 21). */
export type { ConsoleViewer } from "./viewer";
