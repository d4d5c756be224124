CREATE TYPE "public"."duplicate_reason" AS ENUM('nina', 'phone', 'name-birth-commune');--> statement-breakpoint
CREATE TYPE "public"."duplicate_status" AS ENUM('open', 'kept', 'merged', 'distinct');--> statement-breakpoint
CREATE TABLE "duplicate_pairs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"rsu_id_a" text NOT NULL,
	"rsu_id_b" text NOT NULL,
	"reasons" "duplicate_reason"[] NOT NULL,
	"status" "duplicate_status" DEFAULT 'open' NOT NULL,
	"found_by_import" uuid,
	"kept_rsu_id" text,
	"resolved_by" text,
	"resolved_at" timestamp with time zone,
	"note" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "duplicate_pairs_pair_key" UNIQUE("rsu_id_a","rsu_id_b"),
	CONSTRAINT "duplicate_pairs_ordered" CHECK ("duplicate_pairs"."rsu_id_a" < "duplicate_pairs"."rsu_id_b")
);
--> statement-breakpoint
DROP INDEX "households_commune_idx";--> statement-breakpoint
ALTER TABLE "households" ADD COLUMN "duplicate_of" text;--> statement-breakpoint
ALTER TABLE "register_imports" ADD COLUMN "duplicate_pairs" integer;--> statement-breakpoint
ALTER TABLE "duplicate_pairs" ADD CONSTRAINT "duplicate_pairs_rsu_id_a_households_rsu_id_fk" FOREIGN KEY ("rsu_id_a") REFERENCES "public"."households"("rsu_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "duplicate_pairs" ADD CONSTRAINT "duplicate_pairs_rsu_id_b_households_rsu_id_fk" FOREIGN KEY ("rsu_id_b") REFERENCES "public"."households"("rsu_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "duplicate_pairs" ADD CONSTRAINT "duplicate_pairs_found_by_import_register_imports_id_fk" FOREIGN KEY ("found_by_import") REFERENCES "public"."register_imports"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "duplicate_pairs_status_idx" ON "duplicate_pairs" USING btree ("status","created_at");--> statement-breakpoint
CREATE INDEX "duplicate_pairs_b_idx" ON "duplicate_pairs" USING btree ("rsu_id_b");--> statement-breakpoint
CREATE INDEX "duplicate_pairs_import_idx" ON "duplicate_pairs" USING btree ("found_by_import");--> statement-breakpoint
ALTER TABLE "households" ADD CONSTRAINT "households_duplicate_of_households_rsu_id_fk" FOREIGN KEY ("duplicate_of") REFERENCES "public"."households"("rsu_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "households_identity_idx" ON "households" USING btree ("commune_code","birth_year",translate(lower("head_name"), 'àâäáãéèêëíìîïóòôöõúùûüçñ', 'aaaaaeeeeiiiiooooouuuucn'));