// Building blocks of Kong's Postgres migrations that recur across core and plugin migrations:
// secondary indexes, the tags column with its GIN index and `sync_tags()` trigger (core
// 003_100_to_110 and each plugin's *_130_to_140), and the 2.1 workspace operations
// (kong/db/migrations/operations/200_to_210.lua). Object names are Kong's, so that the schema a
// stand-in migration leaves behind is the one `pg_dump` shows after real Kong's.
import { add, sql, type Op } from "./ops.ts";

/** The stand-in's default workspace (Kong generates one at random when 009_200_to_210 runs). */
export const DEFAULT_WS_ID = "00000000-0000-4000-8000-000000000000";

/** `CREATE INDEX IF NOT EXISTS`; `expr` is the indexed expression list, `gin` for array columns. */
export const index = (name: string, table: string, expr: string, gin = false): Op =>
  sql(`CREATE INDEX IF NOT EXISTS "${name}" ON "${table}"${gin ? " USING GIN" : ""} (${expr});`);

/** A row trigger keeping the `tags` table in step with a tagged table. */
export const tagsTrigger = (table: string, trigger: string): Op => sql(`
DROP TRIGGER IF EXISTS "${trigger}" ON "${table}";
CREATE TRIGGER "${trigger}" AFTER INSERT OR UPDATE OF "tags" OR DELETE ON "${table}"
  FOR EACH ROW EXECUTE PROCEDURE sync_tags();`);

/** tags TEXT[] with its GIN index and trigger; plugins name them after their own prefixes. */
export const tagged = (table: string, names: { index?: string; trigger?: string } = {}): Op[] => [
  add(table, "tags", "TEXT[]"),
  index(names.index ?? `${table}_tags_idx`, table, `"tags"`, true),
  tagsTrigger(table, names.trigger ?? `${table}_sync_tags_trigger`),
];

/**
 * The tags table and `sync_tags()` (core 003_100_to_110). The function text is stored as written,
 * comments included, and `pg_dump` prints it back: it is kept as Kong's migration defines it.
 */
export const TAGS_TABLE: readonly Op[] = [
  sql(`CREATE TABLE IF NOT EXISTS "tags" ("entity_id" UUID PRIMARY KEY, "entity_name" TEXT, "tags" TEXT[]);`),
  index("tags_entity_name_idx", "tags", `"entity_name"`),
  index("tags_tags_idx", "tags", `"tags"`, true),
  sql(`
CREATE OR REPLACE FUNCTION sync_tags() RETURNS trigger
LANGUAGE plpgsql
AS $$
  BEGIN
    IF (TG_OP = 'TRUNCATE') THEN
      DELETE FROM tags WHERE entity_name = TG_TABLE_NAME;
      RETURN NULL;
    ELSIF (TG_OP = 'DELETE') THEN
      DELETE FROM tags WHERE entity_id = OLD.id;
      RETURN OLD;
    ELSE

    -- Triggered by INSERT/UPDATE
    -- Do an upsert on the tags table
    -- So we don't need to migrate pre 1.1 entities
    INSERT INTO tags VALUES (NEW.id, TG_TABLE_NAME, NEW.tags)
    ON CONFLICT (entity_id) DO UPDATE
            SET tags=EXCLUDED.tags;
    END IF;
    RETURN NEW;
  END;
$$;`),
];

/** A DO block that tolerates an object already present, as Kong's re-runnable migrations do. */
const tolerant = (statement: string, condition: string): Op =>
  sql(`DO $$\nBEGIN\n  ${statement}\nEXCEPTION WHEN ${condition} THEN\nEND$$;`);

/** One entity of a 2.1 workspace migration: its unique fields and foreign keys. */
export interface WsEntity {
  readonly table: string;
  readonly uniques?: readonly string[];
  readonly fks?: readonly { readonly field: string; readonly references: string; readonly cascade?: boolean }[];
  /** Cache keys made of several fields gain the workspace id in the teardown. */
  readonly compositeCacheKey?: boolean;
}

/**
 * 2.1 `up` for one entity: ws_id defaulting to the default workspace (so rows written by old nodes
 * until `finish` land in it), (id, ws_id) unique, foreign keys that include ws_id, and unique fields
 * unique per workspace instead of globally.
 */
export function wsAdjustFields(e: WsEntity): Op[] {
  const t = e.table;
  return [
    add(t, "ws_id", `UUID REFERENCES "workspaces" ("id") DEFAULT '${DEFAULT_WS_ID}'`),
    tolerant(`ALTER TABLE IF EXISTS ONLY "${t}" ADD CONSTRAINT "${t}_id_ws_id_unique" UNIQUE ("id", "ws_id");`, "DUPLICATE_TABLE"),
    ...(e.fks ?? []).flatMap((fk) => [
      sql(`ALTER TABLE IF EXISTS ONLY "${t}" DROP CONSTRAINT IF EXISTS "${t}_${fk.field}_id_fkey";`),
      tolerant(`ALTER TABLE IF EXISTS ONLY "${t}" ADD CONSTRAINT "${t}_${fk.field}_id_fkey" FOREIGN KEY ("${fk.field}_id", "ws_id") ` +
        `REFERENCES "${fk.references}" ("id", "ws_id")${fk.cascade ? " ON DELETE CASCADE" : ""};`, "DUPLICATE_OBJECT"),
    ]),
    ...(e.uniques ?? []).flatMap((u) => [
      sql(`ALTER TABLE IF EXISTS ONLY "${t}" DROP CONSTRAINT IF EXISTS "${t}_${u}_key";`),
      tolerant(`ALTER TABLE IF EXISTS ONLY "${t}" ADD CONSTRAINT "${t}_ws_id_${u}_unique" UNIQUE ("ws_id", "${u}");`, "DUPLICATE_TABLE"),
    ]),
  ];
}

/**
 * 2.1 teardown for one entity: rows still without a workspace join the default one, composite
 * cache keys gain its id, and ws_id loses its default (new rows name their workspace).
 */
export function wsAdjustData(e: WsEntity): Op[] {
  const t = e.table;
  return [
    sql(`UPDATE "${t}" SET "ws_id" = '${DEFAULT_WS_ID}' WHERE "ws_id" IS NULL;`),
    ...(e.compositeCacheKey ? [sql(`UPDATE "${t}" SET "cache_key" = CONCAT("cache_key", ':', '${DEFAULT_WS_ID}') WHERE "cache_key" LIKE '%:';`)] : []),
    sql(`ALTER TABLE IF EXISTS ONLY "${t}" ALTER "ws_id" SET DEFAULT NULL;`),
  ];
}
