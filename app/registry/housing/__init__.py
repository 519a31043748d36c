"""Housing (房屋): houses and their owners, rentals (出租房屋) with their tenants, shops (商铺)
with their 门前三包 duty and their moves."""
