/** The sample postal address: the local stack's, and the studio's and preview's, one and the same. */
export const LOCAL_POSTAL_ADDRESS =
  "Weekly Strength Tips for Runners, 123 Example Street, Springfield, OR 97477, USA";
