/** The newsletter's name, as pages, feeds and the social cards (compiler/assets.ts) show it. */
export const SITE_NAME = "Weekly Strength Tips for Runners";
