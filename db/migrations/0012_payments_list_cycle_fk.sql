ALTER TABLE "payment_lists" ADD CONSTRAINT "payment_lists_id_cycle_unique" UNIQUE("id","cycle_id");--> statement-breakpoint
ALTER TABLE "payments" DROP CONSTRAINT "payments_cycle_id_cycles_id_fk";
--> statement-breakpoint
ALTER TABLE "payments" DROP CONSTRAINT "payments_list_id_payment_lists_id_fk";
--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_list_cycle_fk" FOREIGN KEY ("list_id","cycle_id") REFERENCES "public"."payment_lists"("id","cycle_id") ON DELETE cascade ON UPDATE no action;
