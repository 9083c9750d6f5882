import { rootFieldName, versionKey, type Contract } from './contract.js';

/**
 * The product versions this deployment knows, as loaded from contracts.
 * Immutable: built once at start-up and shared by every session.
 */
export class Catalog {
  readonly contracts: readonly Contract[];
  private readonly byKey: ReadonlyMap<string, Contract>;

  constructor(contracts: readonly Contract[]) {
    this.contracts = Object.freeze([...contracts].sort((a, b) => a.product.localeCompare(b.product) || a.major - b.major));
    this.byKey = new Map(this.contracts.map((c) => [versionKey(c.product, c.major), c]));
  }

  get(product: string, major: number): Contract | undefined {
    return this.byKey.get(versionKey(product, major));
  }

  /**
   * Versions with an API today (docs/contracts.md): `active`, and `deprecated` until
   * its sunset date has passed. `draft` and `retired` are never served.
   */
  served(today: string = new Date().toISOString().slice(0, 10)): Contract[] {
    return this.contracts.filter((c) => c.status === 'active' || (c.status === 'deprecated' && (c.sunset ?? '9999') >= today));
  }

  /** The newest served major of a product, which replaces the older ones. */
  latest(product: string, today?: string): Contract | undefined {
    return this.served(today)
      .filter((c) => c.product === product && c.status === 'active')
      .sort((a, b) => b.major - a.major)[0];
  }
}

export { rootFieldName };
