package net.tally.plugin.velocity;

import com.velocitypowered.api.command.CommandSource;
import com.velocitypowered.api.command.SimpleCommand;
import com.velocitypowered.api.proxy.ConsoleCommandSource;
import net.tally.plugin.core.TallyCore;

/** /tally on Velocity. */
record VelocityCommand(TallyCore core) implements SimpleCommand {
    @Override
    public void execute(Invocation invocation) {
        CommandSource source = invocation.source();
        boolean console = source instanceof ConsoleCommandSource;
        for (String line : core.command(invocation.arguments(), console, source.hasPermission(TallyCore.PERMISSION))) {
            source.sendPlainMessage(line);
        }
    }
}
