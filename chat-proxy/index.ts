// Placeholder until the function is written.
export const handler = (): never => {
  throw new Error("not built yet");
};
