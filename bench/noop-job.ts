/** A job that does nothing: the isolation bench loads it in a job process to measure that process's start-up. */
export async function run(): Promise<object> {
  return {};
}
