// An ES module handler (package.json "type": "module").
export const handler = async (event) => ({ esm: true, event });
