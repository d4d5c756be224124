// An SPA served by the API process: no server rendering, no prerendered pages.
export const ssr = false;
export const prerender = false;
