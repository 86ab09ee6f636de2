import type { ResolvedConfig } from '../config/load-config.js';
import { AppError } from '../errors.js';

/** Passwords that ship as defaults or top every leaked-password list: never accepted for Neo4j. */
const WELL_KNOWN = new Set(['neo4j', 'password', 'changeme', 'admin', '12345678', 'neo4jneo4j', 'password1', '123456789']);

const FIX = 'set a strong password (8 characters or more) in the config file (catalog.neo4jPassword) or env FACETAG_CATALOG_NEO4J_PASSWORD, the same one the Neo4j server has';

/** The Neo4j connection settings of the config; refuses a missing, empty or well-known password. */
export function neo4jSettings(config: Pick<ResolvedConfig, 'catalog'>) {
  const { neo4jUrl, neo4jUser, neo4jPassword, neo4jDatabase, neo4jMaxRetryMs } = config.catalog;
  if (neo4jPassword === undefined || neo4jPassword.trim() === '') {
    throw new AppError('CONFIG_INVALID', `catalog.neo4jPassword is not set, and catalog.driver is "neo4j"; ${FIX}`);
  }
  if (WELL_KNOWN.has(neo4jPassword.toLowerCase()) || neo4jPassword.length < 8) {
    throw new AppError('CONFIG_INVALID', `catalog.neo4jPassword is a well-known or short password, refused; ${FIX}`);
  }
  return { url: neo4jUrl, user: neo4jUser, password: neo4jPassword, database: neo4jDatabase, maxRetryMs: neo4jMaxRetryMs };
}
