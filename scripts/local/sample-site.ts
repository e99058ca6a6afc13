/**
 * The local stack's sample settings, which the studio and preview share: a postal address, and the
 * From and Reply-To of its emails, named after the brand's sender (content/newsletter.yml).
 */
import { checkBrand } from "../../compiler/brand.js";
import { DEFAULT_BRAND_FILE } from "../../compiler/paths.js";

/** The sample postal address: the local stack's, and the studio's and preview's, one and the same. */
export const LOCAL_POSTAL_ADDRESS = "123 Example Street, Springfield, OR 97477, USA";

/** The brand's sender name, or a plain one while the brand file has problems (`npm run check` says). */
export function localSender(): string {
  return checkBrand(DEFAULT_BRAND_FILE).brand?.sender ?? "Newsletter";
}
