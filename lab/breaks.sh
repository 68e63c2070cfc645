break_list() { echo none; }
do_break() { die "todo"; }
do_repair() { die "todo"; }
