import { Injectable } from '@nestjs/common';

/** Set on SIGTERM, before the server stops accepting: readiness turns 503 at once so no new traffic is routed here. */
@Injectable()
export class ShutdownState {
  private draining = false;

  begin(): void {
    this.draining = true;
  }

  get isShuttingDown(): boolean {
    return this.draining;
  }
}
